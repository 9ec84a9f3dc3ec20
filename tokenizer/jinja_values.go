package tokenizer

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Python semantics of the evaluator's values: conversions, truth,
// equality and ordering, str/repr and JSON rendering, and the globals.

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil, jundef:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case *jdict:
		return len(x.keys) > 0
	}
	return true
}

func jequal(a, b any) bool {
	if af, ok := asFloat(a); ok {
		if bf, ok := asFloat(b); ok {
			return af == bf
		}
		return false
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case jundef:
		_, ok := b.(jundef)
		return ok
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jequal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *jdict:
		y, ok := b.(*jdict)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for k, v := range x.m {
			w, ok := y.m[k]
			if !ok || !jequal(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

func jcompare(a, b any) (int, bool) {
	if af, ok := asFloat(a); ok {
		if bf, ok := asFloat(b); ok {
			switch {
			case af < bf:
				return -1, true
			case af > bf:
				return 1, true
			}
			return 0, true
		}
	}
	if as, ok := a.(string); ok {
		if bs, ok := b.(string); ok {
			return strings.Compare(as, bs), true
		}
	}
	return 0, false
}

func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "none"
	case jundef:
		return "undefined " + strconv.Quote(x.name)
	case bool:
		return "a boolean"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case string:
		return "a string"
	case []any:
		return "a list"
	case *jdict:
		if x.ns {
			return "a namespace"
		}
		return "a dict"
	case *jfunc:
		return "function " + x.name
	case *jloop:
		return "the loop object"
	}
	return fmt.Sprintf("%T", v)
}

// jstr is Python's str() of a value, as {{ }} prints it; undefined prints
// as nothing.
func jstr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case jundef:
		return ""
	case string:
		return x
	}
	var sb strings.Builder
	pyRepr(&sb, v, 0)
	return sb.String()
}

// pyRepr writes Python's repr of v (strings quoted as Python does for the
// common case: single quotes unless the string holds one and no double).
func pyRepr(sb *strings.Builder, v any, depth int) {
	if depth > maxParseDepth {
		sb.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		sb.WriteString("None")
	case jundef:
		sb.WriteString("")
	case bool:
		if x {
			sb.WriteString("True")
		} else {
			sb.WriteString("False")
		}
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case float64:
		sb.WriteString(pyFloat(x))
	case string:
		q := byte('\'')
		if strings.ContainsRune(x, '\'') && !strings.ContainsRune(x, '"') {
			q = '"'
		}
		sb.WriteByte(q)
		for _, r := range x {
			switch {
			case r == '\\':
				sb.WriteString(`\\`)
			case r == rune(q):
				sb.WriteByte('\\')
				sb.WriteByte(q)
			case r == '\n':
				sb.WriteString(`\n`)
			case r == '\t':
				sb.WriteString(`\t`)
			case r == '\r':
				sb.WriteString(`\r`)
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(sb, `\x%02x`, r)
			default:
				sb.WriteRune(r)
			}
		}
		sb.WriteByte(q)
	case []any:
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(", ")
			}
			pyRepr(sb, e, depth+1)
		}
		sb.WriteByte(']')
	case *jdict:
		sb.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			pyRepr(sb, k, depth+1)
			sb.WriteString(": ")
			pyRepr(sb, x.m[k], depth+1)
		}
		sb.WriteByte('}')
	case *jfunc:
		sb.WriteString("<function " + x.name + ">")
	case *jloop:
		sb.WriteString("<LoopContext " + strconv.Itoa(x.i+1) + "/" + strconv.Itoa(len(x.items)) + ">")
	}
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// jsonDump writes v as Python's json.dumps(v, ensure_ascii=False) does
// (separators ", " and ": "; with indent, one item a line).
func jsonDump(sb *strings.Builder, v any, indent, depth int) error {
	if depth > maxParseDepth {
		return errors.New("value nested too deep")
	}
	if sb.Len() > maxRenderOutput {
		return fmt.Errorf("output exceeds %d bytes", maxRenderOutput)
	}
	nl := func(d int) {
		if indent >= 0 {
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	itemSep := ", "
	if indent >= 0 {
		itemSep = ","
	}
	switch x := v.(type) {
	case nil, jundef:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case int64:
		sb.WriteString(strconv.FormatInt(x, 10))
	case float64:
		switch {
		case math.IsNaN(x):
			sb.WriteString("NaN")
		case math.IsInf(x, 1):
			sb.WriteString("Infinity")
		case math.IsInf(x, -1):
			sb.WriteString("-Infinity")
		default:
			sb.WriteString(pyFloat(x))
		}
	case string:
		sb.WriteByte('"')
		for _, r := range x {
			switch r {
			case '"':
				sb.WriteString(`\"`)
			case '\\':
				sb.WriteString(`\\`)
			case '\n':
				sb.WriteString(`\n`)
			case '\r':
				sb.WriteString(`\r`)
			case '\t':
				sb.WriteString(`\t`)
			case '\b':
				sb.WriteString(`\b`)
			case '\f':
				sb.WriteString(`\f`)
			default:
				if r < 0x20 {
					fmt.Fprintf(sb, `\u%04x`, r)
				} else {
					sb.WriteRune(r)
				}
			}
		}
		sb.WriteByte('"')
	case []any:
		if len(x) == 0 {
			sb.WriteString("[]")
			return nil
		}
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteString(itemSep)
			}
			nl(depth + 1)
			if err := jsonDump(sb, e, indent, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte(']')
	case *jdict:
		if len(x.keys) == 0 {
			sb.WriteString("{}")
			return nil
		}
		sb.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				sb.WriteString(itemSep)
			}
			nl(depth + 1)
			if err := jsonDump(sb, k, indent, depth+1); err != nil {
				return err
			}
			sb.WriteString(": ")
			if err := jsonDump(sb, x.m[k], indent, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		sb.WriteByte('}')
	default:
		return fmt.Errorf("%s is not JSON serializable", typeName(v))
	}
	return nil
}

// jinjaGlobals are the functions every template sees.
func jinjaGlobals() map[string]any {
	return map[string]any{
		"raise_exception": &jfunc{name: "raise_exception", call: func(ev *jeval, p jpos, args []any, _ map[string]any) (any, error) {
			msg := "(no message)"
			if len(args) > 0 {
				msg = jstr(args[0])
			}
			return nil, fmt.Errorf("%w: %w", ev.errf(p, "raise_exception: %s", msg), errRaised)
		}},
		"namespace": &jfunc{name: "namespace", call: func(ev *jeval, p jpos, args []any, kwargs map[string]any) (any, error) {
			d := newJDict()
			d.ns = true
			if len(args) > 0 {
				src, ok := args[0].(*jdict)
				if !ok || len(args) > 1 {
					return nil, ev.errf(p, "namespace() takes keyword arguments, or one dict")
				}
				for _, k := range src.keys {
					d.set(k, src.m[k])
				}
			}
			keys := make([]string, 0, len(kwargs))
			for k := range kwargs {
				keys = append(keys, k)
			}
			sort.Strings(keys) // map order is random; attribute order only shows in repr
			for _, k := range keys {
				d.set(k, kwargs[k])
			}
			return d, nil
		}},
		"range": &jfunc{name: "range", call: func(ev *jeval, p jpos, args []any, kwargs map[string]any) (any, error) {
			var b [3]int64
			b[2] = 1
			if len(args) < 1 || len(args) > 3 || len(kwargs) > 0 {
				return nil, ev.errf(p, "range() takes one to three integers")
			}
			for i, a := range args {
				n, ok := asInt(a)
				if !ok {
					return nil, ev.errf(p, "range() arguments must be integers, not %s", typeName(a))
				}
				b[i] = n
			}
			if len(args) == 1 {
				b[0], b[1] = 0, b[0]
			}
			if b[2] == 0 {
				return nil, ev.errf(p, "range() step must not be zero")
			}
			var out []any
			for i := b[0]; (b[2] > 0 && i < b[1]) || (b[2] < 0 && i > b[1]); i += b[2] {
				if len(out) >= maxRange {
					return nil, ev.errf(p, "range() longer than %d", maxRange)
				}
				out = append(out, i)
			}
			return out, nil
		}},
	}
}
