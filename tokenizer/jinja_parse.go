package tokenizer

import (
	"strconv"
)

// The parser of the Jinja subset: statements into a tree of jnodes,
// expressions with Jinja's precedence, lowest first:
//
//	a if c else b  ·  or  ·  and  ·  not  ·  == != < <= > >= in, not in  ·  ~
//	·  + -  ·  * / // %  ·  **  ·  unary - +  ·  x.a x[i] x[a:b:c] f(…) x|filter x is test

// Statement nodes.
type (
	jnode interface{}

	jtext   struct{ s string }
	jout    struct{ x jexpr }
	jifNode struct {
		conds  []jexpr
		bodies [][]jnode
		els    []jnode
	}
	jforNode struct {
		pos       jpos
		vars      []string
		iter      jexpr
		cond      jexpr // optional "if" filter of the items
		body, els []jnode
	}
	jsetNode struct {
		pos        jpos
		name, attr string // set name = x, or set name.attr = x
		names      []string
		x          jexpr
	}
	jloopCtl struct {
		pos  jpos
		kind string // "break" or "continue"
	}
)

// Expression nodes.
type (
	jexpr interface{ at() jpos }

	jlit struct {
		pos jpos
		v   any
	}
	jname struct {
		pos  jpos
		name string
	}
	jattr struct {
		pos  jpos
		x    jexpr
		name string
	}
	jindex struct {
		pos    jpos
		x, idx jexpr
	}
	jslice struct {
		pos             jpos
		x, lo, hi, step jexpr // nil when omitted
	}
	jcall struct {
		pos    jpos
		fn     jexpr
		args   []jexpr
		kwargs []jkwarg
	}
	jfilter struct {
		pos    jpos
		x      jexpr
		name   string
		args   []jexpr
		kwargs []jkwarg
	}
	jtest struct {
		pos  jpos
		x    jexpr
		name string
		args []jexpr
		neg  bool
	}
	jbin struct {
		pos  jpos
		op   string
		l, r jexpr
	}
	junary struct {
		pos jpos
		op  string
		x   jexpr
	}
	jcond struct {
		pos     jpos
		c, a, b jexpr // b nil: undefined when c is false
	}
	jlist struct {
		pos   jpos
		items []jexpr
	}
	jdictLit struct {
		pos        jpos
		keys, vals []jexpr
	}
	jkwarg struct {
		name string
		x    jexpr
	}
)

func (e *jlit) at() jpos     { return e.pos }
func (e *jname) at() jpos    { return e.pos }
func (e *jattr) at() jpos    { return e.pos }
func (e *jindex) at() jpos   { return e.pos }
func (e *jslice) at() jpos   { return e.pos }
func (e *jcall) at() jpos    { return e.pos }
func (e *jfilter) at() jpos  { return e.pos }
func (e *jtest) at() jpos    { return e.pos }
func (e *jbin) at() jpos     { return e.pos }
func (e *junary) at() jpos   { return e.pos }
func (e *jcond) at() jpos    { return e.pos }
func (e *jlist) at() jpos    { return e.pos }
func (e *jdictLit) at() jpos { return e.pos }

// maxParseDepth bounds the nesting of expressions and blocks, so that a
// hostile template cannot exhaust the stack.
const maxParseDepth = 200

// unsupportedStmts are Jinja statements outside the subset, with the hint
// printed when a template uses one.
var unsupportedStmts = map[string]string{
	"macro": "macros", "call": "call blocks", "filter": "filter blocks", "include": "include",
	"import": "import", "from": "import", "extends": "template inheritance", "block": "template inheritance",
	"raw": "raw blocks", "with": "with blocks", "autoescape": "autoescape blocks", "do": "the do statement",
}

type jparser struct {
	name  string
	toks  []jtok
	i     int
	depth int
}

func (p *jparser) errf(pos jpos, format string, args ...any) error {
	return (&jlexer{name: p.name}).errf(pos, format, args...)
}

func (p *jparser) peek() jtok { return p.toks[p.i] }
func (p *jparser) next() jtok {
	t := p.toks[p.i]
	if t.kind != jtEOF {
		p.i++
	}
	return t
}

func (p *jparser) isOp(v string) bool   { t := p.peek(); return t.kind == jtOp && t.val == v }
func (p *jparser) isName(v string) bool { t := p.peek(); return t.kind == jtName && t.val == v }

func (p *jparser) expectOp(v string) error {
	if !p.isOp(v) {
		return p.errf(p.peek().pos, "expected %q, found %s", v, describeTok(p.peek()))
	}
	p.next()
	return nil
}

func describeTok(t jtok) string {
	switch t.kind {
	case jtEOF:
		return "the end of the template"
	case jtText:
		return "template text"
	case jtString:
		return strconv.Quote(t.val)
	case jtExprClose, jtStmtClose, jtExprOpen, jtStmtOpen:
		return strconv.Quote(t.val)
	}
	return strconv.Quote(t.val)
}

func (p *jparser) expectName() (string, jpos, error) {
	t := p.peek()
	if t.kind != jtName {
		return "", t.pos, p.errf(t.pos, "expected a name, found %s", describeTok(t))
	}
	p.next()
	return t.val, t.pos, nil
}

func (p *jparser) expectKind(k jtokKind, what string) error {
	if p.peek().kind != k {
		return p.errf(p.peek().pos, "expected %s, found %s", what, describeTok(p.peek()))
	}
	p.next()
	return nil
}

func jinjaParse(name string, toks []jtok) ([]jnode, error) {
	p := &jparser{name: name, toks: toks}
	body, end, err := p.block()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, p.errf(p.toks[p.i-1].pos, "{%% %s %%} without a block it belongs to", end)
	}
	return body, nil
}

// block parses nodes until EOF or a statement whose keyword is an end or
// middle keyword (endif, elif, else, endfor, …); that keyword is returned,
// consumed, with the parser after it (inside the tag).
func (p *jparser) block() ([]jnode, string, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, "", p.errf(p.peek().pos, "blocks nested more than %d deep", maxParseDepth)
	}
	var out []jnode
	for {
		t := p.next()
		switch t.kind {
		case jtEOF:
			return out, "", nil
		case jtText:
			out = append(out, &jtext{t.val})
		case jtExprOpen:
			x, err := p.expr()
			if err != nil {
				return nil, "", err
			}
			if err := p.expectKind(jtExprClose, "}}"); err != nil {
				return nil, "", err
			}
			out = append(out, &jout{x})
		case jtStmtOpen:
			kw, kpos, err := p.expectName()
			if err != nil {
				return nil, "", err
			}
			switch kw {
			case "endif", "elif", "else", "endfor", "endgeneration":
				return out, kw, nil
			}
			n, err := p.statement(kw, kpos)
			if err != nil {
				return nil, "", err
			}
			if n != nil {
				out = append(out, n)
			}
		default:
			return nil, "", p.errf(t.pos, "unexpected %s", describeTok(t))
		}
	}
}

func (p *jparser) statement(kw string, pos jpos) (jnode, error) {
	switch kw {
	case "if":
		return p.ifStmt(pos)
	case "for":
		return p.forStmt(pos)
	case "set":
		return p.setStmt(pos)
	case "break", "continue":
		return &jloopCtl{pos: pos, kind: kw}, p.expectKind(jtStmtClose, "%}")
	case "generation":
		// transformers' marker of the assistant's tokens; its content
		// renders as if the tags were not there.
		if err := p.expectKind(jtStmtClose, "%}"); err != nil {
			return nil, err
		}
		body, end, err := p.block()
		if err != nil {
			return nil, err
		}
		if end != "endgeneration" {
			return nil, p.errf(pos, "{%% generation %%} is not closed by {%% endgeneration %%}")
		}
		if err := p.expectKind(jtStmtClose, "%}"); err != nil {
			return nil, err
		}
		return &jifNode{conds: []jexpr{&jlit{pos: pos, v: true}}, bodies: [][]jnode{body}}, nil
	}
	if what, ok := unsupportedStmts[kw]; ok {
		return nil, p.errf(pos, "unsupported construct {%% %s %%} (%s): the supported subset is for, if/elif/else, set, break/continue and generation; see the tokenizer package doc", kw, what)
	}
	return nil, p.errf(pos, "unknown statement {%% %s %%}", kw)
}

func (p *jparser) ifStmt(pos jpos) (jnode, error) {
	n := &jifNode{}
	for {
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expectKind(jtStmtClose, "%}"); err != nil {
			return nil, err
		}
		body, end, err := p.block()
		if err != nil {
			return nil, err
		}
		n.conds, n.bodies = append(n.conds, c), append(n.bodies, body)
		switch end {
		case "elif":
			continue
		case "else":
			if err := p.expectKind(jtStmtClose, "%}"); err != nil {
				return nil, err
			}
			els, end, err := p.block()
			if err != nil {
				return nil, err
			}
			if end != "endif" {
				return nil, p.errf(pos, "{%% if %%} is not closed by {%% endif %%} (found %s)", endName(end))
			}
			n.els = els
		case "endif":
		default:
			return nil, p.errf(pos, "{%% if %%} is not closed by {%% endif %%} (found %s)", endName(end))
		}
		return n, p.expectKind(jtStmtClose, "%}")
	}
}

func endName(end string) string {
	if end == "" {
		return "the end of the template"
	}
	return "{% " + end + " %}"
}

func (p *jparser) forStmt(pos jpos) (jnode, error) {
	n := &jforNode{pos: pos}
	for {
		v, _, err := p.expectName()
		if err != nil {
			return nil, err
		}
		n.vars = append(n.vars, v)
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	if !p.isName("in") {
		return nil, p.errf(p.peek().pos, "expected \"in\" in {%% for %%}, found %s", describeTok(p.peek()))
	}
	p.next()
	var err error
	// The iterable stops before a trailing "if" (the item filter).
	if n.iter, err = p.orExpr(); err != nil {
		return nil, err
	}
	if p.isName("if") {
		p.next()
		if n.cond, err = p.orExpr(); err != nil {
			return nil, err
		}
	}
	if p.isName("recursive") {
		return nil, p.errf(p.peek().pos, "unsupported construct: recursive for loops")
	}
	if err := p.expectKind(jtStmtClose, "%}"); err != nil {
		return nil, err
	}
	body, end, err := p.block()
	if err != nil {
		return nil, err
	}
	n.body = body
	if end == "else" {
		if err := p.expectKind(jtStmtClose, "%}"); err != nil {
			return nil, err
		}
		if n.els, end, err = p.block(); err != nil {
			return nil, err
		}
	}
	if end != "endfor" {
		return nil, p.errf(pos, "{%% for %%} is not closed by {%% endfor %%} (found %s)", endName(end))
	}
	return n, p.expectKind(jtStmtClose, "%}")
}

func (p *jparser) setStmt(pos jpos) (jnode, error) {
	n := &jsetNode{pos: pos}
	name, _, err := p.expectName()
	if err != nil {
		return nil, err
	}
	n.name = name
	switch {
	case p.isOp("."):
		p.next()
		if n.attr, _, err = p.expectName(); err != nil {
			return nil, err
		}
	case p.isOp(","):
		n.names = []string{name}
		for p.isOp(",") {
			p.next()
			v, _, err := p.expectName()
			if err != nil {
				return nil, err
			}
			n.names = append(n.names, v)
		}
	}
	if p.peek().kind == jtStmtClose {
		return nil, p.errf(pos, "unsupported construct: block {%% set %%} … {%% endset %%}; write {%% set x = … %%}")
	}
	if err := p.expectOp("="); err != nil {
		return nil, err
	}
	if n.x, err = p.expr(); err != nil {
		return nil, err
	}
	return n, p.expectKind(jtStmtClose, "%}")
}

// expr parses a full expression, a conditional expression included; a
// tuple without brackets (a, b) is a list.
func (p *jparser) expr() (jexpr, error) {
	x, err := p.condExpr()
	if err != nil || !p.isOp(",") {
		return x, err
	}
	l := &jlist{pos: x.at(), items: []jexpr{x}}
	for p.isOp(",") {
		p.next()
		if p.peek().kind == jtExprClose || p.peek().kind == jtStmtClose {
			break
		}
		y, err := p.condExpr()
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, y)
	}
	return l, nil
}

func (p *jparser) enter() error {
	p.depth++
	if p.depth > maxParseDepth {
		return p.errf(p.peek().pos, "expression nested more than %d deep", maxParseDepth)
	}
	return nil
}

func (p *jparser) condExpr() (jexpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		pos := p.next().pos
		c, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		n := &jcond{pos: pos, c: c, a: x}
		if p.isName("else") {
			p.next()
			if n.b, err = p.condExpr(); err != nil {
				return nil, err
			}
		}
		x = n
	}
	return x, nil
}

func (p *jparser) orExpr() (jexpr, error) {
	x, err := p.andExpr()
	for err == nil && p.isName("or") {
		pos := p.next().pos
		var y jexpr
		if y, err = p.andExpr(); err == nil {
			x = &jbin{pos: pos, op: "or", l: x, r: y}
		}
	}
	return x, err
}

func (p *jparser) andExpr() (jexpr, error) {
	x, err := p.notExpr()
	for err == nil && p.isName("and") {
		pos := p.next().pos
		var y jexpr
		if y, err = p.notExpr(); err == nil {
			x = &jbin{pos: pos, op: "and", l: x, r: y}
		}
	}
	return x, err
}

func (p *jparser) notExpr() (jexpr, error) {
	if p.isName("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		pos := p.next().pos
		x, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return &junary{pos: pos, op: "not", x: x}, nil
	}
	return p.compare()
}

func (p *jparser) compare() (jexpr, error) {
	x, err := p.concat()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op := ""
		switch {
		case t.kind == jtOp && (t.val == "==" || t.val == "!=" || t.val == "<" || t.val == "<=" || t.val == ">" || t.val == ">="):
			op = t.val
			p.next()
		case t.kind == jtName && t.val == "in":
			op = "in"
			p.next()
		case t.kind == jtName && t.val == "not" && p.toks[p.i+1].kind == jtName && p.toks[p.i+1].val == "in":
			op = "not in"
			p.next()
			p.next()
		default:
			return x, nil
		}
		y, err := p.concat()
		if err != nil {
			return nil, err
		}
		x = &jbin{pos: t.pos, op: op, l: x, r: y}
	}
}

func (p *jparser) concat() (jexpr, error) {
	x, err := p.sum()
	for err == nil && p.isOp("~") {
		pos := p.next().pos
		var y jexpr
		if y, err = p.sum(); err == nil {
			x = &jbin{pos: pos, op: "~", l: x, r: y}
		}
	}
	return x, err
}

func (p *jparser) sum() (jexpr, error) {
	x, err := p.product()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		t := p.next()
		var y jexpr
		if y, err = p.product(); err == nil {
			x = &jbin{pos: t.pos, op: t.val, l: x, r: y}
		}
	}
	return x, err
}

func (p *jparser) product() (jexpr, error) {
	x, err := p.power()
	for err == nil && (p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%")) {
		t := p.next()
		var y jexpr
		if y, err = p.power(); err == nil {
			x = &jbin{pos: t.pos, op: t.val, l: x, r: y}
		}
	}
	return x, err
}

func (p *jparser) power() (jexpr, error) {
	x, err := p.unary()
	for err == nil && p.isOp("**") {
		t := p.next()
		var y jexpr
		if y, err = p.unary(); err == nil {
			x = &jbin{pos: t.pos, op: "**", l: x, r: y}
		}
	}
	return x, err
}

func (p *jparser) unary() (jexpr, error) {
	if p.isOp("-") || p.isOp("+") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		t := p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &junary{pos: t.pos, op: t.val, x: x}, nil
	}
	return p.postfix()
}

// postfix parses a primary followed by attributes, subscripts, calls,
// filters and tests.
func (p *jparser) postfix() (jexpr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case p.isOp("."):
			p.next()
			name, _, err := p.expectName()
			if err != nil {
				return nil, err
			}
			x = &jattr{pos: t.pos, x: x, name: name}
		case p.isOp("["):
			p.next()
			if x, err = p.subscript(x, t.pos); err != nil {
				return nil, err
			}
		case p.isOp("("):
			p.next()
			args, kwargs, err := p.callArgs()
			if err != nil {
				return nil, err
			}
			x = &jcall{pos: t.pos, fn: x, args: args, kwargs: kwargs}
		case p.isOp("|"):
			p.next()
			name, npos, err := p.expectName()
			if err != nil {
				return nil, err
			}
			f := &jfilter{pos: npos, x: x, name: name}
			if p.isOp("(") {
				p.next()
				if f.args, f.kwargs, err = p.callArgs(); err != nil {
					return nil, err
				}
			}
			x = f
		case p.isName("is"):
			p.next()
			tt := &jtest{pos: t.pos, x: x}
			if p.isName("not") {
				p.next()
				tt.neg = true
			}
			if tt.name, _, err = p.expectName(); err != nil {
				return nil, err
			}
			if p.isOp("(") {
				p.next()
				var kw []jkwarg
				if tt.args, kw, err = p.callArgs(); err != nil {
					return nil, err
				}
				if len(kw) > 0 {
					return nil, p.errf(t.pos, "test %q takes no keyword arguments", tt.name)
				}
			} else if k := p.peek().kind; k == jtString || k == jtInt || k == jtFloat || (k == jtName && !isJinjaKeyword(p.peek().val)) {
				a, err := p.primary()
				if err != nil {
					return nil, err
				}
				tt.args = []jexpr{a}
			}
			x = tt
		default:
			return x, nil
		}
	}
}

func isJinjaKeyword(s string) bool {
	switch s {
	case "and", "or", "not", "in", "is", "if", "else", "for", "recursive":
		return true
	}
	return false
}

func (p *jparser) subscript(x jexpr, pos jpos) (jexpr, error) {
	var parts [3]jexpr
	colons := 0
	for {
		if p.isOp("]") {
			p.next()
			break
		}
		if p.isOp(":") {
			p.next()
			colons++
			if colons > 2 {
				return nil, p.errf(pos, "a slice has at most two ':'")
			}
			continue
		}
		if parts[colons] != nil {
			return nil, p.errf(p.peek().pos, "expected ':' or ']' in a subscript, found %s", describeTok(p.peek()))
		}
		e, err := p.condExpr()
		if err != nil {
			return nil, err
		}
		parts[colons] = e
	}
	if colons == 0 {
		if parts[0] == nil {
			return nil, p.errf(pos, "empty subscript []")
		}
		return &jindex{pos: pos, x: x, idx: parts[0]}, nil
	}
	return &jslice{pos: pos, x: x, lo: parts[0], hi: parts[1], step: parts[2]}, nil
}

// callArgs parses "a, b, k=v)" after the "(".
func (p *jparser) callArgs() ([]jexpr, []jkwarg, error) {
	var args []jexpr
	var kwargs []jkwarg
	for !p.isOp(")") {
		if p.peek().kind == jtName && p.toks[p.i+1].kind == jtOp && p.toks[p.i+1].val == "=" {
			name := p.next().val
			p.next()
			x, err := p.condExpr()
			if err != nil {
				return nil, nil, err
			}
			kwargs = append(kwargs, jkwarg{name, x})
		} else {
			if len(kwargs) > 0 {
				return nil, nil, p.errf(p.peek().pos, "positional argument after a keyword argument")
			}
			x, err := p.condExpr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, x)
		}
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return args, kwargs, p.expectOp(")")
}

func (p *jparser) primary() (jexpr, error) {
	t := p.next()
	switch t.kind {
	case jtString:
		s := t.val
		for p.peek().kind == jtString { // adjacent literals concatenate
			s += p.next().val
		}
		return &jlit{pos: t.pos, v: s}, nil
	case jtInt:
		n, err := strconv.ParseInt(t.val, 10, 64)
		if err != nil {
			return nil, p.errf(t.pos, "integer literal %s out of range", t.val)
		}
		return &jlit{pos: t.pos, v: n}, nil
	case jtFloat:
		f, err := strconv.ParseFloat(t.val, 64)
		if err != nil {
			return nil, p.errf(t.pos, "bad number %s", t.val)
		}
		return &jlit{pos: t.pos, v: f}, nil
	case jtName:
		switch t.val {
		case "true", "True":
			return &jlit{pos: t.pos, v: true}, nil
		case "false", "False":
			return &jlit{pos: t.pos, v: false}, nil
		case "none", "None":
			return &jlit{pos: t.pos, v: nil}, nil
		}
		if isJinjaKeyword(t.val) {
			return nil, p.errf(t.pos, "unexpected keyword %q", t.val)
		}
		return &jname{pos: t.pos, name: t.val}, nil
	case jtOp:
		switch t.val {
		case "(":
			if p.isOp(")") {
				p.next()
				return &jlist{pos: t.pos}, nil
			}
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			return x, p.expectOp(")")
		case "[":
			l := &jlist{pos: t.pos}
			for !p.isOp("]") {
				x, err := p.condExpr()
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, x)
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			return l, p.expectOp("]")
		case "{":
			d := &jdictLit{pos: t.pos}
			for !p.isOp("}") {
				k, err := p.condExpr()
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.condExpr()
				if err != nil {
					return nil, err
				}
				d.keys, d.vals = append(d.keys, k), append(d.vals, v)
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			return d, p.expectOp("}")
		}
	}
	return nil, p.errf(t.pos, "expected an expression, found %s", describeTok(t))
}
