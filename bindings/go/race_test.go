//go:build race

package rulestead

// The race detector makes the memory test's million calls slow and its
// RSS meaningless.
const raceEnabled = true
