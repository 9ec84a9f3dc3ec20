// Renders chat templates with @huggingface/jinja, the Jinja engine of
// transformers.js, for the Go conformance tests (tokenizer/template_peer_test.go).
//
// stdin: one JSON object a line:
//   {"template": SOURCE | "config": PATH-of-tokenizer_config.json,
//    "messages": [...], "add_generation_prompt": bool, "vars": {...}}
// With "config", the template and bos_token/eos_token come from that file.
// stdout: one line per input, {"text": RENDERED} or {"error": MESSAGE}.
import { Template } from "@huggingface/jinja";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
	if (line.trim() === "") continue;
	let out;
	try {
		const req = JSON.parse(line);
		const vars = { messages: req.messages, add_generation_prompt: req.add_generation_prompt, tools: null, ...(req.vars || {}) };
		let source = req.template;
		if (req.config) {
			const cfg = JSON.parse(readFileSync(req.config, "utf8"));
			source = cfg.chat_template;
			if (typeof cfg.bos_token === "string") vars.bos_token = cfg.bos_token;
			if (typeof cfg.eos_token === "string") vars.eos_token = cfg.eos_token;
		}
		out = { text: new Template(source).render(vars) };
	} catch (e) {
		out = { error: String(e && e.message ? e.message : e) };
	}
	process.stdout.write(JSON.stringify(out) + "\n");
}
