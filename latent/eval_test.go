package latent

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func evalVars() map[string][]float32 {
	return map[string][]float32{
		"a":    {1, 2, 3},
		"b":    {4, 0, -2},
		"c":    {0.5, 0.5, 0.5},
		"_x1":  {-1, -1, -1},
		"über": {2, 2, 2},
		"d":    {1, 2}, // another size
		"big":  {3e38, 0, 0},
	}
}

func TestEval(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []float32
	}{
		{"a", []float32{1, 2, 3}},
		{"a - b + c", []float32{-2.5, 2.5, 5.5}},
		{"0.5*a + 0.5*b", []float32{2.5, 1, 0.5}},
		{"(a+b)/2", []float32{2.5, 1, 0.5}},
		{"a + b*2", []float32{9, 2, -1}},
		{"(a + b)*2", []float32{10, 4, 2}},
		{"a - b - c", []float32{-3.5, 1.5, 4.5}}, // left associative
		{"a/2/2", []float32{0.25, 0.5, 0.75}},
		{"-a", []float32{-1, -2, -3}},
		{"--a", []float32{1, 2, 3}},
		{"+a", []float32{1, 2, 3}},
		{"a*-1", []float32{-1, -2, -3}},
		{"2*3*a - 5*a", []float32{1, 2, 3}},
		{"(1 + 1) * a / (4 - 2)", []float32{1, 2, 3}},
		{".5e1 * c", []float32{2.5, 2.5, 2.5}},
		{"1E-1*b", []float32{0.4, 0, -0.2}},
		{"_x1 + über", []float32{1, 1, 1}},
		{"\ta\n-\u00a0b ", []float32{-3, 2, 5}},
		{"((((a))))", []float32{1, 2, 3}},
		{"big - big", []float32{0, 0, 0}},
		{"d", []float32{1, 2}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := Eval(tc.expr, evalVars())
			if err != nil {
				t.Fatal(err)
			}
			approxVec(t, "Eval", got, tc.want, 1e-6)
		})
	}
}

func TestEvalErrors(t *testing.T) {
	for _, tc := range []struct {
		expr string
		col  int // 0: an error about the whole result
		want string
	}{
		{"", 1, "unexpected end of expression: want a number, a name or \"(\""},
		{"   ", 4, "unexpected end of expression"},
		{"a + e", 5, `unknown variable "e" (have _x1, a, b, big, c, d, über)`},
		{"a +", 4, "unexpected end of expression"},
		{"a b", 3, "unexpected name b"},
		{"2 a", 3, "unexpected name a"},
		{"2e", 2, "unexpected name e"},
		{"(a + b", 7, `want ")" to close the "(" at column 1`},
		{"a + b)", 6, `unexpected ")"`},
		{"a * b", 3, "cannot multiply two vectors"},
		{"a / b", 3, "cannot divide by a vector"},
		{"2 / a", 3, "cannot divide by a vector"},
		{"a / 0", 3, "division by zero"},
		{"a / (1 - 1)", 3, "division by zero"},
		{"a + 1", 3, "cannot add a number and a vector"},
		{"1 - a", 3, "cannot subtract a number and a vector"},
		{"a + d", 3, "vectors of sizes 3 and 2"},
		{"a $ b", 3, "unexpected character '$'"},
		{"a + $", 5, "unexpected character '$'"},
		{"über + \xff", 8, "unexpected byte 0xff"},
		{"a ^ 2", 3, "unexpected character '^'"},
		{"1.2.3 * a", 1, "malformed number 1.2.3"},
		{". * a", 1, "malformed number ."},
		{"1e999 * a", 1, "number 1e999 is out of range"},
		{"a..b", 2, "malformed number .."},
		{"a-b-", 5, "unexpected end of expression"},
		{"()", 2, `unexpected ")"`},
		{strings.Repeat("(", 300) + "a" + strings.Repeat(")", 300), 202, "nested more than 200 deep"},
		{strings.Repeat("-", 300) + "a", 202, "nested more than 200 deep"},
		{"1 + 2", 0, "the result is the number 3, not a vector"},
		{"1e30 * big", 0, "result element 0 is +Inf"},
		{"big*10 - big*10", 0, ""}, // fine in float64: not an error
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := Eval(tc.expr, evalVars())
			if tc.want == "" {
				if err != nil {
					t.Errorf("Eval = %v, %v; want no error", got, err)
				}
				return
			}
			var ee *EvalError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v (%T), want an *EvalError", err, err)
			}
			if got != nil {
				t.Errorf("result %v alongside the error", got)
			}
			if !strings.Contains(ee.Msg, tc.want) || ee.Column() != tc.col {
				t.Errorf("err = %v (column %d), want column %d and %q", err, ee.Column(), tc.col, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "latent: eval ") {
				t.Errorf("err = %q, want the package prefix", err)
			}
		})
	}
}

func TestEvalNoVars(t *testing.T) {
	_, err := Eval("z", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown variable "z" (have none)`) {
		t.Errorf("err = %v", err)
	}
	many := map[string][]float32{}
	for _, n := range strings.Fields("a b c d e f g h i j k l") {
		many[n] = []float32{1}
	}
	_, err = Eval("z", many)
	if err == nil || !strings.Contains(err.Error(), "(have a, b, c, d, e, f, g, h, i, j and 2 more)") {
		t.Errorf("err = %v", err)
	}
}

func TestEvalDoesNotModifyVars(t *testing.T) {
	vars := evalVars()
	got, err := Eval("a", vars)
	if err != nil {
		t.Fatal(err)
	}
	got[0] = 100
	if vars["a"][0] != 1 {
		t.Error("Eval returned the variable's own slice")
	}
}

// FuzzEval checks that Eval never panics, and that whatever it accepts is a finite
// vector of a variable's size.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"a", "a - b + c", "0.5*a + 0.5*b", "(a+b)/2", "-(a - -b)*3e-2", "a/0", "a*b",
		"a + d", "((a)", "a)", "1e999*a", "big*big", "1e30*big", "über + _x1", "\xff",
		"..", "1.2.3", "2e", "2e+", "2e+5a", ".", "()", "(((((((((((a)))))))))))",
		strings.Repeat("-", 250) + "a", "a" + strings.Repeat("+a", 100), "1 + 2", "",
	} {
		f.Add(s)
	}
	vars := evalVars()
	f.Fuzz(func(t *testing.T, expr string) {
		got, err := Eval(expr, vars)
		if err != nil {
			if got != nil {
				t.Errorf("Eval(%q) = %v with error %v", expr, got, err)
			}
			if !strings.HasPrefix(err.Error(), "latent: eval ") {
				t.Errorf("Eval(%q): error %q lacks the prefix", expr, err)
			}
			var ee *EvalError
			if errors.As(err, &ee) && (ee.Pos > len(expr) || ee.Pos < -1) {
				t.Errorf("Eval(%q): position %d outside the expression", expr, ee.Pos)
			}
			return
		}
		if len(got) != 3 && len(got) != 2 {
			t.Errorf("Eval(%q) = %v: size %d, want a variable's size", expr, got, len(got))
		}
		for _, v := range got {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Errorf("Eval(%q) = %v: not finite", expr, got)
			}
		}
	})
}
