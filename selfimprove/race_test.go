//go:build race

package selfimprove_test

const raceEnabled = true
