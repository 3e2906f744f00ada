package dsl

// DidYouMean returns " Did you mean "x"?" when given is a likely typo of
// one of options, or "". Other packages' diagnostics (unknown layer types in
// runner) use it so that every suggestion reads the same.
func DidYouMean(given string, options []string) string { return didYouMean(given, options) }
