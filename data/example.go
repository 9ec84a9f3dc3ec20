package data

// Example is one problem: what the policy is prompted with and what its
// completion is checked against.
type Example struct {
	// ID identifies the example; deduplication and train/test splits key on it.
	ID string `json:"id"`
	// Task names the task family ("countdown", "arithmetic", …) so a reward can
	// be chosen per example; empty when the source does not say.
	Task string `json:"task,omitempty"`
	// Prompt is the text the model is conditioned on (no trailing newline);
	// for a conversation, the content of its last user message.
	Prompt string `json:"prompt"`
	// Messages is the prompt as a conversation (system, user and assistant
	// turns ending with a user turn) when the source gave one; nil when the
	// prompt is Prompt alone. Chat templates render it (Conversation).
	Messages []Message `json:"messages,omitempty"`
	// Answer is the gold answer as text (a number, an expression, a target).
	Answer string `json:"answer"`
	// Solution is a worked completion usable as an SFT demonstration; empty
	// when none is known.
	Solution string `json:"solution,omitempty"`
	// Meta holds task-specific structured data, e.g. countdown's "numbers" and
	// "target". After a JSON round trip numbers are float64 or []any; use
	// MetaInt and MetaInts to read them.
	Meta map[string]any `json:"meta,omitempty"`
}
