//go:build !race

package rulestead

const raceEnabled = false
