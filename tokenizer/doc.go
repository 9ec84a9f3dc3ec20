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
// References: Sennrich et al. 2016 (BPE for NMT); Radford et al. 2019 and
// openai/gpt-2 encoder.py (byte-level BPE, split regex); Hugging Face
// tokenizers (tokenizer.json, BpeTrainer); tiktoken's cl100k split regex, used
// by Llama 3 and, with single digits, by Qwen2/Qwen3.
package tokenizer
