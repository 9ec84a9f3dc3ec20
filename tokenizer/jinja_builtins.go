package tokenizer

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The built-in methods, filters and tests of the Jinja subset: the names
// chat templates call, each checked for its arguments.

var jdictMethods = map[string]bool{"items": true, "keys": true, "values": true, "get": true}

func (ev *jeval) method(p jpos, obj any, name string, args []any, kwargs map[string]any) (any, error) {
	if len(kwargs) > 0 {
		return nil, ev.errf(p, "method %s() takes no keyword arguments here", name)
	}
	strArg := func(i int, def string) (string, bool, error) {
		if i >= len(args) || args[i] == nil {
			return def, false, nil
		}
		s, ok := args[i].(string)
		if !ok {
			return "", false, ev.errf(p, "%s() argument %d must be a string, not %s", name, i+1, typeName(args[i]))
		}
		return s, true, nil
	}
	switch o := obj.(type) {
	case string:
		switch name {
		case "startswith", "endswith":
			if len(args) != 1 {
				return nil, ev.errf(p, "%s() takes one argument", name)
			}
			var prefixes []any
			switch a := args[0].(type) {
			case string:
				prefixes = []any{a}
			case []any:
				prefixes = a
			default:
				return nil, ev.errf(p, "%s() argument must be a string or a tuple of strings, not %s", name, typeName(args[0]))
			}
			for _, x := range prefixes {
				s, ok := x.(string)
				if !ok {
					return nil, ev.errf(p, "%s() tuple items must be strings", name)
				}
				if (name == "startswith" && strings.HasPrefix(o, s)) || (name == "endswith" && strings.HasSuffix(o, s)) {
					return true, nil
				}
			}
			return false, nil
		case "strip", "lstrip", "rstrip":
			chars, given, err := strArg(0, "")
			if err != nil {
				return nil, err
			}
			return pyStrip(o, name, chars, given), nil
		case "split":
			sep, given, err := strArg(0, "")
			if err != nil {
				return nil, err
			}
			var parts []string
			switch {
			case !given:
				parts = strings.FieldsFunc(o, unicode.IsSpace)
			case sep == "":
				return nil, ev.errf(p, "split() separator is empty")
			default:
				parts = strings.Split(o, sep)
			}
			if len(args) > 1 {
				return nil, ev.errf(p, "split() with maxsplit is not supported")
			}
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, nil
		case "upper":
			return strings.ToUpper(o), nil
		case "lower":
			return strings.ToLower(o), nil
		case "replace":
			old, _, err := strArg(0, "")
			if err != nil {
				return nil, err
			}
			nw, _, err := strArg(1, "")
			if err != nil || len(args) != 2 {
				return nil, ev.errf(p, "replace() takes two string arguments")
			}
			n := strings.Count(o, old)
			if old == "" {
				n = utf8.RuneCountInString(o) + 1
			}
			if len(o)+n*len(nw) > maxRenderOutput {
				return nil, ev.errf(p, "string longer than %d bytes", maxRenderOutput)
			}
			return ev.built(p, strings.ReplaceAll(o, old, nw))
		}
	case *jdict:
		switch name {
		case "items", "keys", "values":
			out := make([]any, 0, len(o.keys))
			for _, k := range o.keys {
				switch name {
				case "items":
					out = append(out, []any{k, o.m[k]})
				case "keys":
					out = append(out, k)
				default:
					out = append(out, o.m[k])
				}
			}
			return out, nil
		case "get":
			if len(args) < 1 || len(args) > 2 {
				return nil, ev.errf(p, "get() takes one or two arguments")
			}
			k, _ := args[0].(string)
			if v, ok := o.get(k); ok {
				return v, nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return nil, nil
		}
	case jundef:
		return nil, ev.errf(p, "%s is undefined, so it has no method %s()", o.name, name)
	}
	return nil, ev.errf(p, "unsupported method %s.%s(): the supported methods are startswith, endswith, strip, lstrip, rstrip, split, upper, lower, replace (strings) and items, keys, values, get (dicts)", typeName(obj), name)
}

// pyStrip is Python's str.strip/lstrip/rstrip: whitespace, or the
// characters of chars when given.
func pyStrip(s, which, chars string, given bool) string {
	f := unicode.IsSpace
	if given {
		f = func(r rune) bool { return strings.ContainsRune(chars, r) }
	}
	switch which {
	case "lstrip":
		return strings.TrimLeftFunc(s, f)
	case "rstrip":
		return strings.TrimRightFunc(s, f)
	}
	return strings.TrimFunc(s, f)
}

var jinjaFilters = map[string]bool{
	"trim": true, "length": true, "count": true, "upper": true, "lower": true, "first": true, "last": true,
	"reverse": true, "list": true, "join": true, "int": true, "string": true, "capitalize": true,
	"default": true, "d": true, "safe": true, "tojson": true,
}

func (ev *jeval) filter(e *jfilter) (any, error) {
	x, err := ev.eval(e.x)
	if err != nil {
		return nil, err
	}
	args, err := ev.evalList(e.args)
	if err != nil {
		return nil, err
	}
	kwargs := map[string]any{}
	for _, kw := range e.kwargs {
		v, err := ev.eval(kw.x)
		if err != nil {
			return nil, err
		}
		kwargs[kw.name] = v
	}
	if !jinjaFilters[e.name] {
		return nil, ev.errf(e.pos, "unsupported filter %q: the supported filters are trim, length, count, upper, lower, first, last, reverse, list, join, int, string, capitalize, default, safe and tojson", e.name)
	}
	if e.name != "tojson" && e.name != "default" && e.name != "d" && len(kwargs) > 0 {
		return nil, ev.errf(e.pos, "filter %s takes no keyword arguments here", e.name)
	}
	switch e.name {
	case "default", "d":
		if _, u := x.(jundef); u || (len(args) > 1 && truthy(args[1]) && !truthy(x)) {
			if len(args) > 0 {
				return args[0], nil
			}
			return "", nil
		}
		return x, nil
	case "safe", "string":
		if e.name == "string" {
			return jstr(x), nil
		}
		return x, nil
	}
	if u, ok := x.(jundef); ok {
		return nil, ev.errf(e.pos, "%s is undefined (filter %s)", u.name, e.name)
	}
	switch e.name {
	case "trim":
		s, ok := x.(string)
		if !ok {
			return nil, ev.errf(e.pos, "filter trim needs a string, not %s", typeName(x))
		}
		return pyStrip(s, "strip", "", false), nil
	case "length", "count":
		switch v := x.(type) {
		case string:
			return int64(utf8.RuneCountInString(v)), nil
		case []any:
			return int64(len(v)), nil
		case *jdict:
			return int64(len(v.keys)), nil
		}
		return nil, ev.errf(e.pos, "filter %s: %s has no length", e.name, typeName(x))
	case "upper", "lower":
		s, ok := x.(string)
		if !ok {
			return nil, ev.errf(e.pos, "filter %s needs a string, not %s", e.name, typeName(x))
		}
		if e.name == "upper" {
			return strings.ToUpper(s), nil
		}
		return strings.ToLower(s), nil
	case "first", "last":
		l, ok := x.([]any)
		if !ok {
			if s, isStr := x.(string); isStr {
				for _, r := range s {
					l = append(l, string(r))
				}
			} else {
				return nil, ev.errf(e.pos, "filter %s needs a list, not %s", e.name, typeName(x))
			}
		}
		if len(l) == 0 {
			return jundef{"(empty sequence)"}, nil
		}
		if e.name == "first" {
			return l[0], nil
		}
		return l[len(l)-1], nil
	case "reverse", "list":
		var l []any
		switch v := x.(type) {
		case []any:
			l = append([]any{}, v...)
		case string:
			for _, r := range v {
				l = append(l, string(r))
			}
		case *jdict:
			for _, k := range v.keys {
				l = append(l, k)
			}
		default:
			return nil, ev.errf(e.pos, "filter %s needs a sequence, not %s", e.name, typeName(x))
		}
		if e.name == "reverse" {
			for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
				l[i], l[j] = l[j], l[i]
			}
			if _, ok := x.(string); ok {
				var sb strings.Builder
				for _, c := range l {
					sb.WriteString(c.(string))
				}
				return sb.String(), nil
			}
		}
		return l, nil
	case "join":
		l, ok := x.([]any)
		if !ok {
			return nil, ev.errf(e.pos, "filter join needs a list, not %s", typeName(x))
		}
		sep := ""
		if len(args) > 0 {
			sep = jstr(args[0])
		}
		parts := make([]string, len(l))
		n := 0
		for i, v := range l {
			parts[i] = jstr(v)
			n += len(parts[i]) + len(sep)
		}
		if n > maxRenderOutput {
			return nil, ev.errf(e.pos, "string longer than %d bytes", maxRenderOutput)
		}
		return ev.built(e.pos, strings.Join(parts, sep))
	case "int":
		switch v := x.(type) {
		case int64:
			return v, nil
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1<<62 {
				return int64(0), nil
			}
			return int64(v), nil
		case bool:
			if v {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return int64(0), nil
			}
			return n, nil
		}
		return int64(0), nil
	case "capitalize":
		s, ok := x.(string)
		if !ok || s == "" {
			return jstr(x), nil
		}
		r, n := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r)) + strings.ToLower(s[n:]), nil
	case "tojson":
		indent := -1
		if v, ok := kwargs["indent"]; ok {
			if n, ok := asInt(v); ok && n >= 0 && n <= 16 {
				indent = int(n)
			}
		}
		var sb strings.Builder
		if err := jsonDump(&sb, x, indent, 0); err != nil {
			return nil, ev.errf(e.pos, "tojson: %v", err)
		}
		return sb.String(), nil
	}
	return nil, ev.errf(e.pos, "unsupported filter %q: the supported filters are trim, length, count, upper, lower, first, last, reverse, list, join, int, string, capitalize, default, safe and tojson", e.name)
}

func (ev *jeval) test(p jpos, name string, x any, args []any) (bool, error) {
	_, undef := x.(jundef)
	switch name {
	case "defined":
		return !undef, nil
	case "undefined":
		return undef, nil
	case "none":
		return x == nil, nil
	case "true":
		b, ok := x.(bool)
		return ok && b, nil
	case "false":
		b, ok := x.(bool)
		return ok && !b, nil
	case "boolean":
		_, ok := x.(bool)
		return ok, nil
	case "string":
		_, ok := x.(string)
		return ok, nil
	case "number":
		_, isB := x.(bool)
		_, ok := asFloat(x)
		return ok && !isB, nil
	case "integer":
		_, ok := x.(int64)
		return ok, nil
	case "float":
		_, ok := x.(float64)
		return ok, nil
	case "mapping":
		_, ok := x.(*jdict)
		return ok, nil
	case "sequence", "iterable":
		switch x.(type) {
		case []any, string, *jdict:
			return true, nil
		}
		return false, nil
	case "callable":
		_, ok := x.(*jfunc)
		return ok, nil
	case "odd", "even":
		n, ok := asInt(x)
		if !ok {
			return false, ev.errf(p, "test %s needs an integer, not %s", name, typeName(x))
		}
		return (n%2 != 0) == (name == "odd"), nil
	case "equalto", "eq", "sameas":
		if len(args) != 1 {
			return false, ev.errf(p, "test %s takes one argument", name)
		}
		return jequal(x, args[0]), nil
	}
	return false, ev.errf(p, "unsupported test %q: the supported tests are defined, undefined, none, true, false, boolean, string, number, integer, float, mapping, sequence, iterable, callable, odd, even and equalto", name)
}
