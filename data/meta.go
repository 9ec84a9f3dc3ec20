package data

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// MetaInt reads an integer stored under key in ex.Meta. It accepts the Go
// integer types, integral float64 (what encoding/json produces),
// json.Number and decimal strings.
func MetaInt(ex Example, key string) (int64, error) {
	v, ok := ex.Meta[key]
	if !ok {
		return 0, fmt.Errorf("data: example %q: meta key %q missing", ex.ID, key)
	}
	n, err := toInt(v)
	if err != nil {
		return 0, fmt.Errorf("data: example %q: meta key %q: %w", ex.ID, key, err)
	}
	return n, nil
}

// MetaInts reads a list of integers stored under key in ex.Meta ([]int,
// []int64, []float64 or []any of numbers, as after a JSON round trip).
func MetaInts(ex Example, key string) ([]int64, error) {
	v, ok := ex.Meta[key]
	if !ok {
		return nil, fmt.Errorf("data: example %q: meta key %q missing", ex.ID, key)
	}
	var out []int64
	add := func(i int, x any) error {
		n, err := toInt(x)
		if err != nil {
			return fmt.Errorf("data: example %q: meta key %q[%d]: %w", ex.ID, key, i, err)
		}
		out = append(out, n)
		return nil
	}
	switch l := v.(type) {
	case []int:
		for _, x := range l {
			out = append(out, int64(x))
		}
	case []int64:
		out = append(out, l...)
	case []float64:
		for i, x := range l {
			if err := add(i, x); err != nil {
				return nil, err
			}
		}
	case []any:
		for i, x := range l {
			if err := add(i, x); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("data: example %q: meta key %q: want a list of integers, have %T", ex.ID, key, v)
	}
	return out, nil
}

func toInt(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, fmt.Errorf("want an integer, have %v", x)
		}
		return int64(x), nil
	case json.Number:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	}
	return 0, fmt.Errorf("want an integer, have %T", v)
}
