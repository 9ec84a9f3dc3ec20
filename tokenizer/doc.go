// Package tokenizer is a byte-level BPE tokenizer: it trains a vocabulary from
// a corpus, encodes text to token ids and decodes them back, and reads and
// writes the formats users already have (GPT-2's vocab.json + merges.txt or
// encoder.json + vocab.bpe, and Hugging Face tokenizer.json with a BPE model
// and a ByteLevel pre-tokenizer).
//
// The pipeline of Encode is the one of GPT-2 and of Hugging Face tokenizers:
//
//  1. added tokens (special tokens such as <|endoftext|>, <|im_start|>) are cut
//     out of the raw text first, leftmost-longest, and never split;
//  2. the pieces between them are normalized (NFC where tokenizer.json asks);
//  3. a pre-tokenizer splits each piece into words with the GPT-2 or the
//     Llama-3/Qwen2 split regex, reproduced here by hand-written scanners
//     (Go's regexp has no look-ahead for \s+(?!\S));
//  4. each word's UTF-8 bytes start as one symbol per byte (GPT-2's
//     byte↔unicode table names them in the vocabulary) and are merged by
//     lowest merge rank, leftmost first, until no ranked pair is left.
//
// Decode concatenates the bytes of the tokens, so Decode(Encode(s)) == s for
// any byte string s, invalid UTF-8 included, whenever no normalizer is set (a
// tokenizer trained here has none; Qwen's NFC does change non-NFC text).
//
// A Tokenizer is safe for concurrent use once built.
//
// # Chat templates
//
// ChatTemplate renders a conversation ([]Message) as model input. Three are
// built in as Go code: none (each message's content and a newline — the
// format of the built-in tasks), chatml (<|im_start|>role\n…<|im_end|>\n)
// and llama3 (<|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>,
// content trimmed, <|begin_of_text|> first). Any other template is Jinja
// source — a model's chat_template from tokenizer_config.json
// (LoadTokenizerConfig) or a file — run by a subset of Jinja written for
// the templates of Qwen2.5, Qwen3, Llama 3 and SmolLM2/ChatML, with the
// whitespace rules of transformers' apply_chat_template (trim_blocks,
// lstrip_blocks, one trailing newline dropped). The subset:
//
//	statements   {% if %}/{% elif %}/{% else %}/{% endif %}; {% for x in xs [if c] %} … [{% else %}] {% endfor %}
//	             with tuple unpacking (for k, v in d.items()); {% set x = e %}, {% set ns.attr = e %},
//	             {% set a, b = e %}; {% break %}, {% continue %}; {% generation %} (renders its body);
//	             {# comments #}; whitespace control {%- -%} {{- -}} {#- -#} and {%+
//	expressions  literals (strings with Python escapes, ints, floats, true/false/none, lists, tuples,
//	             dicts); x.attr, x[i], x[a:b:c] (negative indices, [::-1]); calls; a if c else b;
//	             or, and, not; == != < <= > >=, in, not in; ~ + - * / // % **; unary - +
//	variables    messages (role, content), add_generation_prompt, tools (none), bos_token and
//	             eos_token (when known), ChatTemplate.Vars (e.g. enable_thinking)
//	globals      raise_exception(msg), namespace(k=v, …), range(n[, m[, step]])
//	loop         loop.index, index0, revindex, revindex0, first, last, length, previtem, nextitem
//	filters      trim, length, count, upper, lower, first, last, reverse, list, join, int, string,
//	             capitalize, default/d, safe, tojson (indent=)
//	tests        is [not] defined, undefined, none, true, false, boolean, string, number, integer,
//	             float, mapping, sequence, iterable, callable, odd, even, equalto
//	methods      str.startswith, endswith, strip, lstrip, rstrip, split, upper, lower, replace;
//	             dict.items, keys, values, get
//
// Anything else — macros, call/filter blocks, include/import/extends, block
// set, recursive loops, other filters, tests, methods and globals (e.g.
// strftime_now) — fails with the template's name, line:col and the
// construct; so does raise_exception, with its message. Rendering never
// panics and is bounded (output size, steps, range length, nesting).
// Values follow Python: str() printing (None, True, 1.0), rune-indexed
// strings, floor division. Chat pairs a template with a Tokenizer: prompt
// text for rollouts, and EncodeReply for SFT, whose reply tokens — the
// assistant's text and the end-of-turn token — are the only ones scored.
// tokenizer/template_peer_test.go compares renders byte for byte with
// @huggingface/jinja, the engine of transformers.js, on the real Qwen3,
// Qwen2.5 and Llama 3 templates.
//
// References: Sennrich et al. 2016 (BPE for NMT); Radford et al. 2019 and
// openai/gpt-2 encoder.py (byte-level BPE, split regex); Hugging Face
// tokenizers (tokenizer.json, BpeTrainer); tiktoken's cl100k split regex, used
// by Llama 3 and, with single digits, by Qwen2/Qwen3.
package tokenizer
