// Package dsl reads exp's experiment language (DESIGN.md §2): one HCL file
// per experiment, decoded into plain Go structs with every user error
// reported as an hcl.Diagnostic that points at the narrowest source range.
//
// # What it owns
//
//   - The schema of every block (package variables, one
//     decodeXBlock(block) (*X, hcl.Diagnostics) per block type), decoding,
//     defaults, and the checks that need only the file: unknown blocks and
//     attributes (with did-you-mean), duplicate names, missing blocks and
//     attributes, references (var.X, data.X, model.X, layer.X, input.X),
//     forward layer references, enumerated values, value ranges, schedules
//     ("200 steps"), optimizer coverage of the objective's models, metric
//     names and their fit to the objective, sweeps.
//   - Variables and --set overrides (Parse), typed against the default:
//     a whole number written without '.', 'e' or 'E' declares an int, any
//     other number a float; an int variable takes only whole numbers, a
//     float variable any finite number ("3" too); strings are taken
//     verbatim, bools are "true" or "false", list variables take an HCL
//     list literal whose elements fit the default's elements.
//   - Sweep expansion (Experiment.Expand), a pure function of the sweep and
//     the experiment seed; see Expand for order and seeding. Parse also
//     decodes the file once per sweep value (every choice, both ends of a
//     distribution; at most 256) so that a value that breaks the file, such
//     as lr = [0, 0.1], is reported where it is written.
//   - Refusing hostile input before hclsyntax sees it: files over
//     MaxSourceSize, invalid UTF-8, nesting or operator chains deeper than
//     MaxNesting (hclsyntax recurses, and a Go stack overflow is fatal),
//     number literals that are absurdly long or out of float64 range.
//   - Rendering diagnostics: WriteDiagnostics, with Experiment.Files as the
//     sources (including a "--set" pseudo-file for override errors).
//
// # What it refuses to do
//
//   - Know about tensors or layer types. Layer types and layer attributes
//     are passed through (Layer.Type, Layer.Attrs with ranges); the layers
//     package validates them and infers shapes through runner.Compile.
//   - Touch the file system beyond ParseFile reading the file: data paths
//     are returned as written (Experiment.Resolve makes them relative to the
//     file), existence is the runner's concern.
//   - Log, or render diagnostics anywhere but WriteDiagnostics.
//
// # Values
//
// No cty value leaves the package. Evaluated values are int64 (whole
// numbers up to 2^53), float64, string, bool, or []any of those. Layer
// attributes are read through nil-safe accessors:
//
//	units, ok := layer.Attr("units").Int()     // whole numbers only
//	slope, ok := layer.Attr("slope").Float()   // any number
//	init, ok := layer.Attr("init").Str()
//	bias, ok := layer.Attr("bias").Bool()
//	shape, ok := layer.Attr("shape").Ints()
//
// ok is false when the attribute is absent or has another type; the
// attribute's Range points at its expression for the caller's diagnostics.
//
// # Attributes by block
//
//	experiment "NAME"        description, seed (0 ≤ seed ≤ 2^53, default 0), tags
//	variable "NAME"          default (required), description
//	data "mnist" "N"         split ("train"|"test"), scale ("unit"|"tanh"|"binarize"|"none"), limit
//	data "gaussian_mixture"  layout ("ring"|"grid"), modes (8; 25 for grid, a square), radius (2), std (0.02), samples (10000)
//	data "idx" "N"           path (required), labels (labels file), shape, scale (default: "unit" for byte files, "none" for others), limit
//	data "csv" "N"           path (required), labels (label column name), shape, limit
//	data "images" "N"        path (required, a folder of PNGs), shape, scale, limit
//	model "N"                input "N" { shape }, layer "TYPE" "N" { input | inputs, ... }, output
//	objective "elbo"         encoder, decoder, data (required), likelihood ("bernoulli"|"gaussian"), kl_weight (1, ≥ 0)
//	objective "gan"          generator, discriminator, data (required), loss ("non_saturating"|"minimax"),
//	                         noise ("normal"|"uniform"), d_steps (1, ≥ 1), condition (""|"label": models need input "y")
//	objective "classifier"   model, data (required; labelled)
//	optimizer "adam" "N"     models (required list), lr (0.001), beta1 (0.9), beta2 (0.999), eps (1e-8), weight_decay (0)
//	optimizer "sgd" "N"      models (required list), lr (0.01), momentum (0), weight_decay (0)
//	train                    epochs (1), batch_size (64), max_steps (0 = none), log_every ("100 steps"),
//	                         sample_every (never), checkpoint_every ("1 epoch")
//	evaluate                 metrics (required, MetricNames), data (default: the objective's), every (never:
//	                         only the final evaluation), iwae_samples (100), num_samples (10000)
//	sweep                    method ("grid"|"random"), trials (random only), parallel (1), repeat (1),
//	                         target (a MetricSeries name), goal ("minimize"|"maximize"), values = { NAME = [...] | uniform(a, b) | ... },
//	                         early_stop { metric (default target), goal, method ("median"|"asha"), min_steps (0), reduction (asha: 3) }
//
// Schedules are "N step(s)", "N epoch(s)" or "never" (the zero Every).
package dsl
