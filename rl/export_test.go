package rl

// RaceEnabled lets the external tests (package rl_test) skip runs that are
// too slow under the race detector.
const RaceEnabled = raceEnabled
