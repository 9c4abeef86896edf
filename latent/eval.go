package latent

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEvalDepth bounds the nesting of parentheses and signs, so that no input can make
// Eval recurse without limit.
const maxEvalDepth = 200

// Eval evaluates an arithmetic expression over named latent vectors, such as
// "a - b + c", "0.5*a + 0.5*b" or "(a+b)/2", and returns the vector it denotes.
//
// The grammar, with the usual precedence and left associativity:
//
//	expr    = term { ("+" | "-") term }
//	term    = unary { ("*" | "/") unary }
//	unary   = ("+" | "-") unary | primary
//	primary = number | name | "(" expr ")"
//
// A name is a letter or _ followed by letters, digits or _, and must be a key of vars; a
// number is decimal, with an optional fraction and exponent (2, 0.5, .5, 1e-3). Vectors
// add to and subtract from vectors of the same size; numbers scale vectors (n*v, v*n,
// v/n) and combine with each other; a vector cannot multiply or divide by a vector nor
// be added to a number. Arithmetic runs in float64.
//
// Eval never panics. It returns an *EvalError, which names the unknown variable or
// the offending token and its position, for an expression it cannot read or whose
// operands do not fit; and an error when the result is a number rather than a vector,
// or has an infinite or NaN element.
func Eval(expr string, vars map[string][]float32) ([]float32, error) {
	p := &parser{src: expr, vars: vars}
	p.next()
	v, err := p.expr(0)
	switch {
	case err != nil:
	case p.tok.kind == tokBad:
		err = p.err
	case p.tok.kind != tokEOF:
		err = p.errorf(p.tok.pos, "unexpected %s", p.tok)
	}
	if err != nil {
		return nil, err
	}
	if !v.isVec {
		return nil, &EvalError{Expr: expr, Pos: -1, Msg: fmt.Sprintf("the result is the number %v, not a vector", v.num)}
	}
	out := make([]float32, len(v.vec))
	for i, x := range v.vec {
		out[i] = float32(x)
		if f := float64(out[i]); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &EvalError{Expr: expr, Pos: -1, Msg: fmt.Sprintf("result element %d is %v", i, out[i])}
		}
	}
	return out, nil
}

// EvalError reports why Eval rejected an expression and, where it can, where.
type EvalError struct {
	Expr string // the expression as given
	Pos  int    // byte offset of the offending token in Expr (len(Expr) at its end), or −1 for the whole result
	Msg  string // what is wrong, such as `unknown variable "c" (have a, b)`
}

func (e *EvalError) Error() string {
	if e.Pos < 0 {
		return fmt.Sprintf("latent: eval %q: %s", e.Expr, e.Msg)
	}
	return fmt.Sprintf("latent: eval %q: column %d: %s", e.Expr, e.Column(), e.Msg)
}

// Column returns the 1-based column, counted in characters, of Pos; 0 when Pos < 0.
func (e *EvalError) Column() int {
	if e.Pos < 0 || e.Pos > len(e.Expr) {
		return 0
	}
	return utf8.RuneCountInString(e.Expr[:e.Pos]) + 1
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokNum
	tokName
	tokOp // + - * / ( )
	tokBad
)

type token struct {
	kind tokKind
	pos  int
	text string
	num  float64
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokNum:
		return "number " + t.text
	case tokName:
		return "name " + t.text
	}
	return strconv.Quote(t.text)
}

// value is a number or, when isVec, a vector.
type value struct {
	isVec bool
	num   float64
	vec   []float64
}

type parser struct {
	src  string
	off  int // where the lexer reads next
	tok  token
	vars map[string][]float32
	err  error // a lexing error, reported when the parser reaches the bad token
}

// next reads the next token into p.tok.
func (p *parser) next() {
	for p.off < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.off:])
		if !unicode.IsSpace(r) {
			break
		}
		p.off += n
	}
	start := p.off
	if start == len(p.src) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	r, n := utf8.DecodeRuneInString(p.src[start:])
	switch {
	case strings.ContainsRune("+-*/()", r):
		p.off += n
		p.tok = token{kind: tokOp, pos: start, text: string(r)}
	case r == '.' || ('0' <= r && r <= '9'):
		p.lexNumber(start)
	case isIdentRune(r, true):
		end := start
		for end < len(p.src) {
			r, n := utf8.DecodeRuneInString(p.src[end:])
			if r == utf8.RuneError || !isIdentRune(r, false) {
				break
			}
			end += n
		}
		p.off = end
		p.tok = token{kind: tokName, pos: start, text: p.src[start:end]}
	default:
		p.off += n
		what := fmt.Sprintf("character %q", r)
		if r == utf8.RuneError && n == 1 {
			what = fmt.Sprintf("byte %#02x", p.src[start])
		}
		p.tok = token{kind: tokBad, pos: start, text: p.src[start:p.off]}
		p.err = p.errorf(start, "unexpected %s", what)
	}
}

func (p *parser) lexNumber(start int) {
	end := start
	digits := func() {
		for end < len(p.src) && ('0' <= p.src[end] && p.src[end] <= '9' || p.src[end] == '.') {
			end++
		}
	}
	digits()
	// An exponent only when digits follow, so that "2e" stays a number and a name.
	if end < len(p.src) && (p.src[end] == 'e' || p.src[end] == 'E') {
		e := end + 1
		if e < len(p.src) && (p.src[e] == '+' || p.src[e] == '-') {
			e++
		}
		if e < len(p.src) && '0' <= p.src[e] && p.src[e] <= '9' {
			end = e
			for end < len(p.src) && '0' <= p.src[end] && p.src[end] <= '9' {
				end++
			}
		}
	}
	p.off = end
	text := p.src[start:end]
	p.tok = token{kind: tokNum, pos: start, text: text}
	f, err := strconv.ParseFloat(text, 64)
	switch {
	case err != nil && math.IsInf(f, 0):
		p.tok.kind = tokBad
		p.err = p.errorf(start, "number %s is out of range", text)
	case err != nil:
		p.tok.kind = tokBad
		p.err = p.errorf(start, "malformed number %s", text)
	}
	p.tok.num = f
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &EvalError{Expr: p.src, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) isOp(ops string) bool {
	return p.tok.kind == tokOp && strings.Contains(ops, p.tok.text)
}

func (p *parser) expr(depth int) (value, error) {
	x, err := p.term(depth)
	for err == nil && p.isOp("+-") {
		op := p.tok
		p.next()
		var y value
		if y, err = p.term(depth); err == nil {
			x, err = p.binary(op, x, y)
		}
	}
	return x, err
}

func (p *parser) term(depth int) (value, error) {
	x, err := p.unary(depth)
	for err == nil && p.isOp("*/") {
		op := p.tok
		p.next()
		var y value
		if y, err = p.unary(depth); err == nil {
			x, err = p.binary(op, x, y)
		}
	}
	return x, err
}

func (p *parser) unary(depth int) (value, error) {
	if depth > maxEvalDepth {
		return value{}, p.errorf(p.tok.pos, "expression nested more than %d deep", maxEvalDepth)
	}
	if p.isOp("+-") {
		op := p.tok
		p.next()
		x, err := p.unary(depth + 1)
		if err != nil || op.text == "+" {
			return x, err
		}
		return scale(x, -1), nil
	}
	return p.primary(depth)
}

func (p *parser) primary(depth int) (value, error) {
	t := p.tok
	switch t.kind {
	case tokBad:
		return value{}, p.err
	case tokNum:
		p.next()
		return value{num: t.num}, nil
	case tokName:
		p.next()
		z, ok := p.vars[t.text]
		if !ok {
			return value{}, p.errorf(t.pos, "unknown variable %q (have %s)", t.text, p.varNames())
		}
		v := value{isVec: true, vec: make([]float64, len(z))}
		for i, x := range z {
			v.vec[i] = float64(x)
		}
		return v, nil
	case tokOp:
		if t.text == "(" {
			p.next()
			x, err := p.expr(depth + 1)
			if err != nil {
				return x, err
			}
			if !p.isOp(")") {
				return value{}, p.errorf(p.tok.pos, "unexpected %s: want \")\" to close the \"(\" at column %d", p.tok, utf8.RuneCountInString(p.src[:t.pos])+1)
			}
			p.next()
			return x, nil
		}
	}
	return value{}, p.errorf(t.pos, "unexpected %s: want a number, a name or \"(\"", t)
}

func (p *parser) varNames() string {
	if len(p.vars) == 0 {
		return "none"
	}
	names := make([]string, 0, len(p.vars))
	for n := range p.vars {
		names = append(names, n)
	}
	slices.Sort(names)
	const most = 10
	if len(names) > most {
		return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return strings.Join(names, ", ")
}

// binary applies the operator op to x and y.
func (p *parser) binary(op token, x, y value) (value, error) {
	switch op.text {
	case "+", "-":
		verb, sign := "add", 1.0
		if op.text == "-" {
			verb, sign = "subtract", -1
		}
		if x.isVec != y.isVec {
			return value{}, p.errorf(op.pos, "cannot %s a number and a vector", verb)
		}
		if !x.isVec {
			return value{num: x.num + sign*y.num}, nil
		}
		if len(x.vec) != len(y.vec) {
			return value{}, p.errorf(op.pos, "vectors of sizes %d and %d", len(x.vec), len(y.vec))
		}
		out := make([]float64, len(x.vec))
		for i := range out {
			out[i] = x.vec[i] + sign*y.vec[i]
		}
		return value{isVec: true, vec: out}, nil
	case "*":
		switch {
		case x.isVec && y.isVec:
			return value{}, p.errorf(op.pos, "cannot multiply two vectors")
		case x.isVec:
			return scale(x, y.num), nil
		default:
			return scale(y, x.num), nil
		}
	default: // "/"
		if y.isVec {
			return value{}, p.errorf(op.pos, "cannot divide by a vector")
		}
		if y.num == 0 {
			return value{}, p.errorf(op.pos, "division by zero")
		}
		// Divide rather than multiply by 1/y: one rounding, and a tiny divisor cannot
		// overflow on its own.
		if !x.isVec {
			return value{num: x.num / y.num}, nil
		}
		out := make([]float64, len(x.vec))
		for i, v := range x.vec {
			out[i] = v / y.num
		}
		return value{isVec: true, vec: out}, nil
	}
}

// scale returns s·x for a number or a vector x.
func scale(x value, s float64) value {
	if !x.isVec {
		return value{num: s * x.num}
	}
	out := make([]float64, len(x.vec))
	for i, v := range x.vec {
		out[i] = s * v
	}
	return value{isVec: true, vec: out}
}
