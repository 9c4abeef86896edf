package domain

import "fmt"

// ValueOf returns the value of type T that x holds, or an error that names the domain
// (its package's name, for the message's prefix), the example and what it holds instead:
// a domain's typed view of its examples (melody.Melody, drums.Drums, groove.Groove).
func ValueOf[T any](x Example, domain string) (T, error) {
	v, ok := x.Value.(T)
	if !ok {
		return v, fmt.Errorf("%s: example %s holds a %T, not a %T", domain, x.Source, x.Value, v)
	}
	return v, nil
}

// ValuesOf returns the values of type T that xs hold, the zero T for an example whose
// Value is nil (left blank where a format has room: Domain.Write), or ValueOf's error.
func ValuesOf[T any](xs []Example, domain string) ([]T, error) {
	vs := make([]T, len(xs))
	for i, x := range xs {
		if x.Value == nil {
			continue
		}
		v, err := ValueOf[T](x, domain)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}
