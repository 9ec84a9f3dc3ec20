// Package selfimprove holds the parts of rltrain in which the model checks
// or fixes its own work, built on rl's turn seam: RISE's verification of the
// model's own solutions (a Stage that adds verification episodes to every
// step, the demonstrations that teach a warm start to verify, and the
// held-out verification metrics and self-verify@k). See
// docs/algorithms.md §4. It imports rl and is imported by the CLI only.
package selfimprove
