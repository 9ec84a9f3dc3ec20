// Package selfimprove holds the parts of rltrain in which the model checks
// or fixes its own work, built on rl's turn seam: RISE's verification of the
// model's own solutions (a Stage that adds verification episodes to every
// step, the demonstrations that teach a warm start to verify, and the
// held-out verification metrics and self-verify@k; §4), and SCoRe's two-turn
// self-correction (a builder, its demonstrations and its metrics; §5), and
// the label-free rewards in which the model grades its own completions: the
// judge and self-verify rewards (model rewards bound to their model by the
// CLI; §6). See docs/algorithms.md. It imports rl and is imported by the CLI only.
package selfimprove
