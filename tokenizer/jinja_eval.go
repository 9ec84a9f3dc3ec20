package tokenizer

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// The evaluator of the Jinja subset. Values are Go values standing for
// Python's: nil (None), jundef (Undefined), bool, int64, float64, string,
// []any (list), *jdict (dict, keys in insertion order; also namespace()
// and the loop object) and *jfunc (raise_exception, namespace, range).

type jundef struct{ name string }

type jdict struct {
	keys []string
	m    map[string]any
	ns   bool // a namespace(): its attributes may be set
}

func newJDict() *jdict { return &jdict{m: map[string]any{}} }

func (d *jdict) set(k string, v any) {
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
}

func (d *jdict) get(k string) (any, bool) { v, ok := d.m[k]; return v, ok }

// jloop is the loop object of a for loop at item i.
type jloop struct {
	i     int
	items []any
}

func (l *jloop) attr(name string) (any, bool) {
	i, n := int64(l.i), int64(len(l.items))
	switch name {
	case "index0":
		return i, true
	case "index":
		return i + 1, true
	case "revindex0":
		return n - i - 1, true
	case "revindex":
		return n - i, true
	case "first":
		return i == 0, true
	case "last":
		return i == n-1, true
	case "length":
		return n, true
	case "previtem":
		if i > 0 {
			return l.items[i-1], true
		}
	case "nextitem":
		if i+1 < n {
			return l.items[i+1], true
		}
	}
	return nil, false
}

type jfunc struct {
	name string
	call func(ev *jeval, pos jpos, args []any, kwargs map[string]any) (any, error)
}

// Limits that keep any template, however hostile, cheap to render.
const (
	maxRenderOutput = 16 << 20 // bytes of output
	maxRenderSteps  = 1 << 18  // loop iterations and expression evaluations
	maxRange        = 1 << 16  // items of range()
)

// errRaised marks an error raised by the template itself (raise_exception).
var errRaised = errors.New("template raised an exception")

type jeval struct {
	name   string
	scopes []map[string]any
	out    strings.Builder
	steps  int
}

type loopCtl int

const (
	ctlNone loopCtl = iota
	ctlBreak
	ctlContinue
)

func (ev *jeval) errf(p jpos, format string, args ...any) error {
	return &jinjaError{name: ev.name, pos: p, msg: fmt.Sprintf(format, args...)}
}

func (ev *jeval) lookup(name string) (any, bool) {
	for i := len(ev.scopes) - 1; i >= 0; i-- {
		if v, ok := ev.scopes[i][name]; ok {
			return v, true
		}
	}
	return nil, false
}

// built charges a string of n bytes made by an operator or filter to the
// step budget (one step per 256 bytes), so that repeated large strings
// cannot churn unbounded memory.
func (ev *jeval) built(p jpos, s string) (any, error) {
	ev.steps += len(s) >> 8
	if err := ev.step(p); err != nil {
		return nil, err
	}
	return s, nil
}

func (ev *jeval) step(p jpos) error {
	ev.steps++
	if ev.steps > maxRenderSteps {
		return ev.errf(p, "rendering takes more than %d steps; is a loop unbounded?", maxRenderSteps)
	}
	return nil
}

func (ev *jeval) exec(nodes []jnode) (loopCtl, error) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *jtext:
			if err := ev.write(n.s); err != nil {
				return ctlNone, err
			}
		case *jout:
			v, err := ev.eval(n.x)
			if err != nil {
				return ctlNone, err
			}
			if err := ev.write(jstr(v)); err != nil {
				return ctlNone, ev.errf(n.x.at(), "%v", err)
			}
		case *jifNode:
			done := false
			for i, c := range n.conds {
				v, err := ev.eval(c)
				if err != nil {
					return ctlNone, err
				}
				if truthy(v) {
					ctl, err := ev.exec(n.bodies[i])
					if err != nil || ctl != ctlNone {
						return ctl, err
					}
					done = true
					break
				}
			}
			if !done {
				ctl, err := ev.exec(n.els)
				if err != nil || ctl != ctlNone {
					return ctl, err
				}
			}
		case *jforNode:
			if err := ev.forLoop(n); err != nil {
				return ctlNone, err
			}
		case *jsetNode:
			if err := ev.set(n); err != nil {
				return ctlNone, err
			}
		case *jloopCtl:
			if len(ev.scopes) < 2 {
				return ctlNone, ev.errf(n.pos, "{%% %s %%} outside a for loop", n.kind)
			}
			if n.kind == "break" {
				return ctlBreak, nil
			}
			return ctlContinue, nil
		}
	}
	return ctlNone, nil
}

func (ev *jeval) write(s string) error {
	if ev.out.Len()+len(s) > maxRenderOutput {
		return fmt.Errorf("output exceeds %d bytes", maxRenderOutput)
	}
	ev.out.WriteString(s)
	return nil
}

func (ev *jeval) set(n *jsetNode) error {
	v, err := ev.eval(n.x)
	if err != nil {
		return err
	}
	scope := ev.scopes[len(ev.scopes)-1]
	switch {
	case n.attr != "":
		obj, ok := ev.lookup(n.name)
		d, isDict := obj.(*jdict)
		if !ok || !isDict || !d.ns {
			return ev.errf(n.pos, "{%% set %s.%s %%}: %s is not a namespace(); only namespace attributes can be set", n.name, n.attr, n.name)
		}
		d.set(n.attr, v)
	case n.names != nil:
		l, ok := v.([]any)
		if !ok || len(l) != len(n.names) {
			return ev.errf(n.pos, "{%% set %s %%}: cannot unpack %s into %d names", strings.Join(n.names, ", "), typeName(v), len(n.names))
		}
		for i, name := range n.names {
			scope[name] = l[i]
		}
	default:
		scope[n.name] = v
	}
	return nil
}

func (ev *jeval) forLoop(n *jforNode) error {
	it, err := ev.eval(n.iter)
	if err != nil {
		return err
	}
	var items []any
	switch x := it.(type) {
	case []any:
		items = x
	case string:
		for _, r := range x {
			items = append(items, string(r))
		}
	case *jdict:
		for _, k := range x.keys {
			items = append(items, k)
		}
	case jundef, nil:
		// Jinja iterates an undefined as empty; None is an error there,
		// but templates guard with "if tools" anyway.
		if x == nil {
			return ev.errf(n.iter.at(), "cannot iterate over none")
		}
	default:
		return ev.errf(n.iter.at(), "cannot iterate over %s", typeName(it))
	}
	bind := func(scope map[string]any, item any) error {
		if len(n.vars) == 1 {
			scope[n.vars[0]] = item
			return nil
		}
		l, ok := item.([]any)
		if !ok || len(l) != len(n.vars) {
			return ev.errf(n.pos, "for %s: cannot unpack %s into %d names", strings.Join(n.vars, ", "), typeName(item), len(n.vars))
		}
		for i, v := range n.vars {
			scope[v] = l[i]
		}
		return nil
	}
	if n.cond != nil { // the filter sees each item but no loop object
		var kept []any
		for _, item := range items {
			scope := map[string]any{}
			if err := bind(scope, item); err != nil {
				return err
			}
			ev.scopes = append(ev.scopes, scope)
			v, err := ev.eval(n.cond)
			ev.scopes = ev.scopes[:len(ev.scopes)-1]
			if err != nil {
				return err
			}
			if truthy(v) {
				kept = append(kept, item)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		ev.scopes = append(ev.scopes, map[string]any{})
		_, err := ev.exec(n.els)
		ev.scopes = ev.scopes[:len(ev.scopes)-1]
		return err
	}
	for i, item := range items {
		if err := ev.step(n.pos); err != nil {
			return err
		}
		scope := map[string]any{"loop": &jloop{i: i, items: items}}
		if err := bind(scope, item); err != nil {
			return err
		}
		ev.scopes = append(ev.scopes, scope)
		ctl, err := ev.exec(n.body)
		ev.scopes = ev.scopes[:len(ev.scopes)-1]
		if err != nil {
			return err
		}
		if ctl == ctlBreak {
			break
		}
	}
	return nil
}

func (ev *jeval) eval(e jexpr) (any, error) {
	if err := ev.step(e.at()); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *jlit:
		return e.v, nil
	case *jname:
		if v, ok := ev.lookup(e.name); ok {
			return v, nil
		}
		return jundef{e.name}, nil
	case *jlist:
		l := make([]any, 0, len(e.items))
		for _, it := range e.items {
			v, err := ev.eval(it)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case *jdictLit:
		d := newJDict()
		for i := range e.keys {
			k, err := ev.eval(e.keys[i])
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				return nil, ev.errf(e.keys[i].at(), "dict keys must be strings here, not %s", typeName(k))
			}
			v, err := ev.eval(e.vals[i])
			if err != nil {
				return nil, err
			}
			d.set(ks, v)
		}
		return d, nil
	case *jattr:
		x, err := ev.eval(e.x)
		if err != nil {
			return nil, err
		}
		return ev.member(e.pos, x, e.name)
	case *jindex:
		x, err := ev.eval(e.x)
		if err != nil {
			return nil, err
		}
		i, err := ev.eval(e.idx)
		if err != nil {
			return nil, err
		}
		return ev.index(e.pos, x, i)
	case *jslice:
		return ev.slice(e)
	case *jcall:
		return ev.call(e)
	case *jfilter:
		return ev.filter(e)
	case *jtest:
		x, err := ev.eval(e.x)
		if err != nil {
			return nil, err
		}
		args, err := ev.evalList(e.args)
		if err != nil {
			return nil, err
		}
		ok, err := ev.test(e.pos, e.name, x, args)
		return ok != e.neg, err
	case *junary:
		x, err := ev.eval(e.x)
		if err != nil {
			return nil, err
		}
		if e.op == "not" {
			return !truthy(x), nil
		}
		switch v := x.(type) {
		case int64:
			if e.op == "-" {
				return -v, nil
			}
			return v, nil
		case float64:
			if e.op == "-" {
				return -v, nil
			}
			return v, nil
		case bool:
			n := int64(0)
			if v {
				n = 1
			}
			if e.op == "-" {
				n = -n
			}
			return n, nil
		}
		return nil, ev.errf(e.pos, "bad operand for unary %s: %s", e.op, typeName(x))
	case *jcond:
		c, err := ev.eval(e.c)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return ev.eval(e.a)
		}
		if e.b == nil {
			return jundef{"(conditional expression without else)"}, nil
		}
		return ev.eval(e.b)
	case *jbin:
		return ev.binary(e)
	}
	return nil, ev.errf(e.at(), "cannot evaluate %T", e)
}

func (ev *jeval) evalList(xs []jexpr) ([]any, error) {
	out := make([]any, 0, len(xs))
	for _, x := range xs {
		v, err := ev.eval(x)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// member is x.name: a dict key (dicts from messages, namespaces, loop);
// anything else is undefined, as in Jinja.
func (ev *jeval) member(p jpos, x any, name string) (any, error) {
	switch v := x.(type) {
	case *jdict:
		if r, ok := v.get(name); ok {
			return r, nil
		}
	case *jloop:
		if r, ok := v.attr(name); ok {
			return r, nil
		}
		if name == "cycle" || name == "changed" || name == "depth" || name == "depth0" {
			return nil, ev.errf(p, "unsupported construct loop.%s: the loop object has index, index0, revindex, revindex0, first, last, length, previtem and nextitem", name)
		}
	case jundef:
		return nil, ev.errf(p, "%s is undefined, so it has no attribute %q", v.name, name)
	case nil:
		return nil, ev.errf(p, "none has no attribute %q", name)
	}
	return jundef{name}, nil
}

func (ev *jeval) index(p jpos, x, i any) (any, error) {
	switch v := x.(type) {
	case *jdict:
		k, ok := i.(string)
		if !ok {
			return jundef{jstr(i)}, nil
		}
		if r, ok := v.get(k); ok {
			return r, nil
		}
		return jundef{k}, nil
	case []any:
		n, ok := asInt(i)
		if !ok {
			return nil, ev.errf(p, "list indices must be integers, not %s", typeName(i))
		}
		if n < 0 {
			n += int64(len(v))
		}
		if n < 0 || n >= int64(len(v)) {
			return jundef{"list index out of range"}, nil
		}
		return v[n], nil
	case string:
		n, ok := asInt(i)
		if !ok {
			return nil, ev.errf(p, "string indices must be integers, not %s", typeName(i))
		}
		rs := []rune(v)
		if n < 0 {
			n += int64(len(rs))
		}
		if n < 0 || n >= int64(len(rs)) {
			return jundef{"string index out of range"}, nil
		}
		return string(rs[n]), nil
	case jundef:
		return nil, ev.errf(p, "%s is undefined, so it cannot be indexed", v.name)
	}
	return nil, ev.errf(p, "%s cannot be indexed", typeName(x))
}

func (ev *jeval) slice(e *jslice) (any, error) {
	x, err := ev.eval(e.x)
	if err != nil {
		return nil, err
	}
	var b [3]*int64
	for k, part := range []jexpr{e.lo, e.hi, e.step} {
		if part == nil {
			continue
		}
		v, err := ev.eval(part)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		n, ok := asInt(v)
		if !ok {
			return nil, ev.errf(part.at(), "slice indices must be integers, not %s", typeName(v))
		}
		b[k] = &n
	}
	var items []any
	_, isStr := x.(string)
	switch v := x.(type) {
	case []any:
		items = v
	case string:
		for _, r := range v {
			items = append(items, string(r))
		}
	default:
		return nil, ev.errf(e.pos, "%s cannot be sliced", typeName(x))
	}
	idx, err := sliceIndices(len(items), b)
	if err != nil {
		return nil, ev.errf(e.pos, "%v", err)
	}
	out := make([]any, 0, len(idx))
	for _, i := range idx {
		out = append(out, items[i])
	}
	if isStr {
		var sb strings.Builder
		for _, s := range out {
			sb.WriteString(s.(string))
		}
		return sb.String(), nil
	}
	return out, nil
}

// sliceIndices is Python's slice.indices followed by the range.
func sliceIndices(n int, b [3]*int64) ([]int, error) {
	step := int64(1)
	if b[2] != nil {
		step = *b[2]
	}
	if step == 0 {
		return nil, errors.New("slice step cannot be zero")
	}
	N := int64(n)
	clamp := func(p *int64, def int64, lo, hi int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += N
			if v < lo {
				v = lo
			}
		} else if v > hi {
			v = hi
		}
		return v
	}
	var start, stop int64
	if step > 0 {
		start, stop = clamp(b[0], 0, 0, N), clamp(b[1], N, 0, N)
	} else {
		start, stop = clamp(b[0], N-1, -1, N-1), clamp(b[1], -1, -1, N-1)
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, int(i))
	}
	return out, nil
}

func (ev *jeval) binary(e *jbin) (any, error) {
	l, err := ev.eval(e.l)
	if err != nil {
		return nil, err
	}
	switch e.op { // short-circuit: Python returns the deciding operand
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return ev.eval(e.r)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return ev.eval(e.r)
	}
	r, err := ev.eval(e.r)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "==":
		return jequal(l, r), nil
	case "!=":
		return !jequal(l, r), nil
	case "in", "not in":
		in, err := ev.contains(e.pos, r, l)
		return in == (e.op == "in"), err
	case "~":
		return jstr(l) + jstr(r), nil
	case "<", "<=", ">", ">=":
		c, ok := jcompare(l, r)
		if !ok {
			return nil, ev.errf(e.pos, "cannot compare %s %s %s", typeName(l), e.op, typeName(r))
		}
		switch e.op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		}
		return c >= 0, nil
	}
	if u, ok := l.(jundef); ok {
		return nil, ev.errf(e.pos, "%s is undefined (operator %s)", u.name, e.op)
	}
	if u, ok := r.(jundef); ok {
		return nil, ev.errf(e.pos, "%s is undefined (operator %s)", u.name, e.op)
	}
	if e.op == "+" {
		if ls, ok := l.(string); ok {
			if rs, ok := r.(string); ok {
				if len(ls)+len(rs) > maxRenderOutput {
					return nil, ev.errf(e.pos, "string longer than %d bytes", maxRenderOutput)
				}
				return ev.built(e.pos, ls+rs)
			}
		}
		if ll, ok := l.([]any); ok {
			if rl, ok := r.([]any); ok {
				return append(append([]any{}, ll...), rl...), nil
			}
		}
	}
	if e.op == "*" {
		s, sok := l.(string)
		n, nok := asInt(r)
		if !sok {
			s, sok = r.(string)
			n, nok = asInt(l)
		}
		if sok && nok {
			if n <= 0 {
				return "", nil
			}
			if int64(len(s))*n > maxRenderOutput {
				return nil, ev.errf(e.pos, "string longer than %d bytes", maxRenderOutput)
			}
			return ev.built(e.pos, strings.Repeat(s, int(n)))
		}
	}
	return ev.arith(e.pos, e.op, l, r)
}

func (ev *jeval) arith(p jpos, op string, l, r any) (any, error) {
	li, lInt := asInt(l)
	ri, rInt := asInt(r)
	lf, lNum := asFloat(l)
	rf, rNum := asFloat(r)
	if !lNum || !rNum {
		return nil, ev.errf(p, "unsupported operand types for %s: %s and %s", op, typeName(l), typeName(r))
	}
	if lInt && rInt {
		switch op {
		case "+":
			return li + ri, nil
		case "-":
			return li - ri, nil
		case "*":
			return li * ri, nil
		case "//", "%":
			if ri == 0 {
				return nil, ev.errf(p, "integer division or modulo by zero")
			}
			q, m := li/ri, li%ri
			if m != 0 && (m < 0) != (ri < 0) { // Python floors
				q, m = q-1, m+ri
			}
			if op == "//" {
				return q, nil
			}
			return m, nil
		case "**":
			if ri >= 0 {
				return int64(math.Pow(float64(li), float64(ri))), nil
			}
		}
	}
	switch op {
	case "+":
		return lf + rf, nil
	case "-":
		return lf - rf, nil
	case "*":
		return lf * rf, nil
	case "/":
		if rf == 0 {
			return nil, ev.errf(p, "division by zero")
		}
		return lf / rf, nil
	case "//":
		if rf == 0 {
			return nil, ev.errf(p, "division by zero")
		}
		return math.Floor(lf / rf), nil
	case "%":
		if rf == 0 {
			return nil, ev.errf(p, "modulo by zero")
		}
		m := math.Mod(lf, rf)
		if m != 0 && (m < 0) != (rf < 0) {
			m += rf
		}
		return m, nil
	case "**":
		return math.Pow(lf, rf), nil
	}
	return nil, ev.errf(p, "unknown operator %s", op)
}

func (ev *jeval) contains(p jpos, container, x any) (bool, error) {
	switch c := container.(type) {
	case string:
		s, ok := x.(string)
		if !ok {
			return false, ev.errf(p, "'in <string>' needs a string on the left, not %s", typeName(x))
		}
		return strings.Contains(c, s), nil
	case []any:
		for _, v := range c {
			if jequal(v, x) {
				return true, nil
			}
		}
		return false, nil
	case *jdict:
		s, ok := x.(string)
		if !ok {
			return false, nil
		}
		_, in := c.get(s)
		return in, nil
	case jundef:
		return false, ev.errf(p, "%s is undefined (operator in)", c.name)
	}
	return false, ev.errf(p, "%s does not support 'in'", typeName(container))
}

func (ev *jeval) call(e *jcall) (any, error) {
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
	if a, ok := e.fn.(*jattr); ok { // a method of a string, list or dict
		obj, err := ev.eval(a.x)
		if err != nil {
			return nil, err
		}
		if _, isDict := obj.(*jdict); !isDict || jdictMethods[a.name] {
			return ev.method(a.pos, obj, a.name, args, kwargs)
		}
	}
	fn, err := ev.eval(e.fn)
	if err != nil {
		return nil, err
	}
	f, ok := fn.(*jfunc)
	if !ok {
		if u, isU := fn.(jundef); isU {
			return nil, ev.errf(e.pos, "unknown function %s(): the supported globals are raise_exception, namespace and range", u.name)
		}
		return nil, ev.errf(e.pos, "%s is not callable", typeName(fn))
	}
	return f.call(ev, e.pos, args, kwargs)
}
