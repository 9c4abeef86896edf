package domain

import (
	"strings"
	"testing"
)

type tune []int32

// TestValuesOf: typed values, blanks left zero, and an example of another type named.
func TestValuesOf(t *testing.T) {
	vs, err := ValuesOf[tune]([]Example{{Value: tune{1, 2}}, {}, {Value: tune{3}}}, "chant")
	if err != nil || len(vs) != 3 || len(vs[0]) != 2 || vs[1] != nil || vs[2][0] != 3 {
		t.Fatalf("%v, %v", vs, err)
	}
	_, err = ValuesOf[tune]([]Example{{Value: tune{1}}, {Value: "do re mi", Source: "x.chant"}}, "chant")
	if err == nil || err.Error() != "chant: example x.chant holds a string, not a domain.tune" {
		t.Errorf("a string among tunes: %v", err)
	}
	if _, err := ValueOf[tune](Example{Value: 3.5}, "chant"); err == nil || !strings.Contains(err.Error(), "holds a float64") {
		t.Errorf("a float: %v", err)
	}
}
