package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"musae/latent/domain"
)

// conditionValue is the flag of one condition (domain.Condition): what is given goes into
// the verb's domain.Conditions under the condition's name.
type conditionValue struct {
	name string
	into *domain.Conditions
}

func (v conditionValue) String() string {
	if *v.into == nil {
		return ""
	}
	return (*v.into)[v.name]
}

// Set takes the condition's value, or with @FILE the text of FILE (a progression of
// chords, say, a line per section).
func (v conditionValue) Set(s string) error {
	if *v.into == nil {
		*v.into = domain.Conditions{}
	}
	if p, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(b) > maxConditionFile {
			return fmt.Errorf("%s: %d bytes, more than a condition's %d", p, len(b), maxConditionFile)
		}
		s = string(b)
	}
	(*v.into)[v.name] = s
	return nil
}

// maxConditionFile bounds what --NAME @FILE reads.
const maxConditionFile = 1 << 20

func (conditionValue) Type() string { return "string" }

// conditions lists every condition the registry's conditioned domains take, each name
// once, in the registry's order.
func conditions(reg *domain.Registry) []domain.Condition {
	var out []domain.Condition
	for _, d := range reg.Domains() {
		cd, ok := d.(domain.Conditioned)
		if !ok {
			continue
		}
		for _, c := range cd.Conditions() {
			if !slices.ContainsFunc(out, func(o domain.Condition) bool { return o.Name == c.Name }) {
				out = append(out, c)
			}
		}
	}
	return out
}

// addConditionFlags adds a flag for every condition of the registry's domains (--meter,
// ...): the values given go into *into, for the domain.Model methods that decode under
// them, which refuse a condition the model does not take. rule says what a verb decodes
// under when a flag is not given ("" for the condition's default).
func addConditionFlags(f *pflag.FlagSet, reg *domain.Registry, into *domain.Conditions, rule string) {
	for _, c := range conditions(reg) {
		usage := c.Usage
		if rule != "" {
			usage += "; " + rule
		} else if c.Default != "" {
			usage += " (default " + c.Default + ")"
		}
		f.Var(conditionValue{c.Name, into}, c.Name, usage)
	}
}

// conditionsHelp is a verb's --help paragraph on conditions, "" when no domain has any:
// rule says what the verb decodes under.
func conditionsHelp(reg *domain.Registry, rule string) string {
	cs := conditions(reg)
	if len(cs) == 0 {
		return ""
	}
	var flags []string
	for _, c := range cs {
		flags = append(flags, "--"+c.Name)
	}
	return "\n\nConditions (" + strings.Join(flags, ", ") + ") are for models that take them; " + rule
}

// under returns n copies of c: the conditions of n vectors decoded alike.
func under(n int, c domain.Conditions) []domain.Conditions {
	out := make([]domain.Conditions, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// inputConditions returns the conditions each of xs decodes under, like itself: its own
// that m takes, with given set over them.
func inputConditions(m *domain.Model, xs []domain.Example, given domain.Conditions) []domain.Conditions {
	out := make([]domain.Conditions, len(xs))
	for i, x := range xs {
		out[i] = m.ConditionsOf(x, given)
	}
	return out
}

// domainOfConditions is the first domain of the registry that takes every condition given
// (sample --meter 6/8 samples 2-bar melodies, before 16-bar ones), or "" when none does.
func domainOfConditions(reg *domain.Registry, given domain.Conditions) string {
	if len(given) == 0 {
		return ""
	}
	for _, d := range reg.Domains() {
		if cd, ok := d.(domain.Conditioned); ok && takesAll(cd.Conditions(), given) {
			return d.Info().Name
		}
	}
	return ""
}

// modelForConditions is the built-in model a verb given no --model decodes with when
// conditions are given: the first of the domain's models (Info.Models, the default first)
// that is built in and takes every condition given (sample --chords "C Am F G" uses
// mel2-chords), or "" (the domain's default) when none does or none is given.
func modelForConditions(reg *domain.Registry, domainName string, given domain.Conditions) string {
	d, err := reg.Lookup(domainName)
	if err != nil || len(given) == 0 {
		return ""
	}
	for _, name := range d.Info().Models {
		if !reg.IsBuiltin(name) {
			continue
		}
		m, err := reg.Open(name, domainName)
		if err != nil {
			continue
		}
		if takesAll(m.Takes(), given) {
			return name
		}
	}
	return ""
}

// takesAll reports whether cs names every condition given.
func takesAll(cs []domain.Condition, given domain.Conditions) bool {
	for name := range given {
		if !slices.ContainsFunc(cs, func(c domain.Condition) bool { return c.Name == name }) {
			return false
		}
	}
	return true
}
