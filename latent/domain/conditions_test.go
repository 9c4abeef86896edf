package domain_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"musae/latent/domain"
	"musae/latent/domain/digits"
	"musae/models"
)

// conditionedDigits is the digits domain with made-up conditions, to test how the Model
// methods check, complete and pass them.
type conditionedDigits struct {
	digits.Domain
	takes []string
	seen  *[]domain.Conditions
}

func (conditionedDigits) Conditions() []domain.Condition {
	return []domain.Condition{
		{Name: "meter", Usage: "the meter", Default: "4/4"},
		{Name: "chords", Usage: "the chords, one a bar"},
		{Name: "key", Usage: "the key", Default: "C"},
	}
}

func (d conditionedDigits) Takes(*domain.Model) []string { return d.takes }

func (d conditionedDigits) BatchFor(_ *domain.Model, xs []domain.Example) (*models.Batch, error) {
	return d.Domain.Batch(xs)
}

func (d conditionedDigits) DecodeUnder(m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	*d.seen = append(*d.seen, conds...)
	xs, err := d.Domain.Decode(m, zs, temperature, rng)
	for i := range xs {
		xs[i].Conditions = conds[i]
	}
	return xs, err
}

func TestConditions(t *testing.T) {
	var seen []domain.Conditions
	d := conditionedDigits{takes: []string{"meter", "key"}, seen: &seen}
	m, err := domain.Open("mnist-conv2", d)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Takes(); len(got) != 2 || got[0].Name != "meter" || got[1].Name != "key" {
		t.Errorf("Takes = %v, want meter and key in the domain's order", got)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	xs, err := m.SampleUnder(2, domain.Conditions{"meter": "6/8"}, 0, rng)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Conditions{"meter": "6/8", "key": "C"}
	if len(seen) != 2 || !reflect.DeepEqual(seen[0], want) || !reflect.DeepEqual(xs[1].Conditions, want) {
		t.Errorf("decoded under %v, examples carry %v; want %v (the default key filled in)", seen, xs[1].Conditions, want)
	}

	z := [][]float32{{0, 0}, {1, 1}}
	for _, tc := range []struct {
		takes []string
		cond  domain.Conditions
		want  string
	}{
		{[]string{"meter", "key"}, domain.Conditions{"tempo": "fast"}, "mnist-conv2 takes no --tempo (it takes --meter, --key)"},
		{[]string{"meter", "chords"}, domain.Conditions{"meter": "3/4"}, "mnist-conv2 needs --chords (the chords, one a bar)"},
		{nil, domain.Conditions{"meter": "3/4"}, "mnist-conv2 takes no --meter (it decodes under no conditions; digits take --meter, --chords, --key with a model that reads them)"},
	} {
		d.takes = tc.takes
		m.Domain = d
		_, err := m.DecodeUnder(z, tc.cond, 0, nil)
		if !domain.IsInputError(err) || err.Error() != tc.want {
			t.Errorf("takes %v, %v: %v, want the InputError %q", tc.takes, tc.cond, err, tc.want)
		}
	}

	// A model that takes no conditions decodes as Decode does when given none.
	seen = nil
	d.takes = nil
	m.Domain = d
	plain, err := m.DecodeUnder(z, nil, 0, nil)
	if err != nil || len(plain) != 2 || len(seen) != 0 {
		t.Errorf("an unconditioned model: %d examples, %v, DecodeUnder called %d times", len(plain), err, len(seen))
	}

	// Per vector, with the defaults, in batches.
	d.takes = []string{"meter", "key"}
	m.Domain = d
	seen = nil
	conds := []domain.Conditions{{"meter": "3/4"}, nil}
	if _, err := m.DecodeEachContext(context.Background(), z, conds, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seen, []domain.Conditions{{"meter": "3/4", "key": "C"}, {"meter": "4/4", "key": "C"}}) {
		t.Errorf("decoded each under %v", seen)
	}
	if _, err := m.DecodeEach(z, conds[:1], 0, nil); err == nil || !strings.Contains(err.Error(), "2 vectors under 1 sets of conditions") {
		t.Errorf("too few conditions: %v", err)
	}

	// Decoding like an input: its own conditions that the model takes, the given ones over them.
	x := domain.Example{Conditions: domain.Conditions{"meter": "3/4", "chords": "C G"}}
	if got := m.ConditionsOf(x, domain.Conditions{"key": "D"}); !reflect.DeepEqual(got, domain.Conditions{"meter": "3/4", "key": "D"}) {
		t.Errorf("ConditionsOf = %v", got)
	}
	if got := (domain.Conditions{"meter": "6/8", "chords": "C Am"}).String(); got != "chords C Am, meter 6/8" {
		t.Errorf("String = %q", got)
	}
}
