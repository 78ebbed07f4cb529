module rulestead

go 1.19
