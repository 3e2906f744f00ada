// Package layers holds exp's layer types: for each HCL layer name, its
// attributes with their types and defaults, its shape inference and how it
// lowers to graph ops with its initialisation rule.
//
// layers knows graph and nothing else: it takes attribute values as plain Go
// values and reports problems as *AttrError naming the attribute at fault, so
// that the runner can point a diagnostic at the right place in the file.
// The table of types is the literal map in registry.go; there is no init()
// self-registration.
package layers
