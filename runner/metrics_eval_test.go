package runner

import (
	"strings"
	"testing"

	"github.com/exp-ml/exp/dsl"
)

func compileDiags(t *testing.T, src string) string {
	t.Helper()
	e, diags := dsl.Parse("test.hcl", []byte(src), nil)
	if diags.HasErrors() {
		return diags.Error()
	}
	if _, diags = Compile(e, CompileOptions{}); diags.HasErrors() {
		return diags.Error()
	}
	return ""
}

// parzen_ll compares with MNIST's splits, so it is refused on other data at
// compile time, pointing at the metrics list.
func TestMNISTMetricRefusedOnOtherData(t *testing.T) {
	src := strings.Replace(tinyGAN, "train {", "evaluate { metrics = [\"parzen_ll\"] }\ntrain {", 1)
	msg := compileDiags(t, src)
	if !strings.Contains(msg, "Metric not available for this data") || !strings.Contains(msg, "gaussian_mixture") {
		t.Fatalf("diagnostics: %q", msg)
	}
}

// A classifier's first output is its logits; further outputs are allowed,
// but features first are refused.
func TestClassifierOutputOrder(t *testing.T) {
	src := string(refSource)
	if msg := compileDiags(t, src); msg != "" {
		t.Fatalf("the reference classifier does not compile: %s", msg)
	}
	swapped := strings.Replace(src, "output = [layer.logits, layer.features]", "output = [layer.features, layer.logits]", 1)
	if swapped == src {
		t.Fatal("the reference source no longer declares output = [layer.logits, layer.features]")
	}
	if msg := compileDiags(t, swapped); !strings.Contains(msg, "first output must be [10] logits") {
		t.Fatalf("features first: %q", msg)
	}
}
