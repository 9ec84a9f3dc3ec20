package tokenizer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseTemplate parses arbitrary bytes as a chat template and renders
// what parses on a few conversations. It never panics, and every failure
// is a template error whose line:col lies inside the source (or one past
// its end).
func FuzzParseTemplate(f *testing.F) {
	for _, dir := range []string{qwen3Models, qwen25Models, llama3Models} {
		if c, err := LoadTokenizerConfig(filepath.Join(dir, TokenizerConfigFile)); err == nil {
			f.Add(c.ChatTemplate)
		}
	}
	for _, s := range []string{
		chatMLPublished,
		"{%- for m in messages -%}{{ m.content|trim }}{%- endfor %}",
		"{% set ns = namespace(a=1) %}{% set ns.a = ns.a ~ 'x' %}{{ ns.a }}{{ messages[::-1][0]['role'] }}",
		"{% if x %}{% elif y %}{% else %}{% endif %}{% for a, b in [[1, 2]] if a %}{{ loop.last }}{% else %}e{% endfor %}",
		"{{ 'a'.split('b')|length }}{{ {'k': [1.5e3, none]}|tojson(indent=2) }}{{ raise_exception('x') if false }}",
		"{{ '\\u00e9\\x41\\n' }}{# c #}{%+ if true +%}{% break %}{% endif %}",
		"{{", "{%", "{#", "{{ ( }}", "{% for %}", "{{ 'unterminated }}", "{{ 1 if }}", "{{ a[1:2:0] }}",
		"{{ 1 // 0 }}", "{{ -9223372036854775808 // -1 }}", "{{ 2 ** 64 }}", "{{ range(3)[5] }}",
		"{% macro m() %}{% endmacro %}", "{% generation %}x{% endgeneration %}",
	} {
		f.Add(s)
	}
	convs := [][]Message{
		nil,
		{{RoleUser, "hi"}},
		{{RoleSystem, "s"}, {RoleUser, "q"}, {RoleAssistant, "<think>\nr\n</think>\n\na"}, {RoleUser, "q2"}},
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			t.Skip("template over 64 kB")
		}
		lines := strings.Count(src, "\n") + 1
		check := func(err error) {
			var je *jinjaError
			if !errors.As(err, &je) {
				t.Fatalf("error %T is not a template error: %v", err, err)
			}
			if je.name != "fuzz" || je.pos.line < 1 || je.pos.line > lines || je.pos.col < 1 || je.pos.col > utf8.RuneCountInString(src)+1 {
				t.Fatalf("error position %v outside the %d-line source: %v", je.pos, lines, err)
			}
		}
		tm, err := ParseTemplate("fuzz", src)
		if err != nil {
			check(err)
			return
		}
		for _, msgs := range convs {
			for _, gen := range []bool{false, true} {
				out, err := tm.Render(msgs, gen)
				if err != nil {
					check(err)
					continue
				}
				if len(out) > maxRenderOutput {
					t.Fatalf("output of %d bytes over the %d cap", len(out), maxRenderOutput)
				}
			}
		}
	})
}
