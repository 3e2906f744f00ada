package data

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMixtureCenters(t *testing.T) {
	ring, err := MixtureCenters("ring", 8, 2)
	if err != nil {
		t.Fatal(err)
	}
	for k, c := range ring {
		th := 2 * math.Pi * float64(k) / 8
		if math.Hypot(c[0]-2*math.Cos(th), c[1]-2*math.Sin(th)) > 1e-12 {
			t.Errorf("ring mode %d at %v", k, c)
		}
	}
	grid, err := MixtureCenters("grid", 25, 2)
	if err != nil {
		t.Fatal(err)
	}
	// PacGAN's grid: {-4,-2,0,2,4}², mode i*5+j at (x_i, y_j).
	axis := []float64{-4, -2, 0, 2, 4}
	for i := range 5 {
		for j := range 5 {
			if got := grid[i*5+j]; got != [2]float64{axis[i], axis[j]} {
				t.Errorf("grid mode %d at %v, want (%v, %v)", i*5+j, got, axis[i], axis[j])
			}
		}
	}
	if g4, _ := MixtureCenters("grid", 4, 1); g4[0] != [2]float64{-0.5, -0.5} || g4[3] != [2]float64{0.5, 0.5} {
		t.Errorf("2x2 grid of spacing 1 is not centred: %v", g4)
	}
	for _, bad := range []struct {
		layout string
		modes  int
		radius float64
		want   string
	}{
		{"grid", 24, 2, "square number"},
		{"spiral", 8, 2, `layout "spiral"`},
		{"ring", 0, 2, "modes"},
		{"ring", 8, -1, "radius"},
	} {
		if _, err := MixtureCenters(bad.layout, bad.modes, bad.radius); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
}

func TestMixtureStatistics(t *testing.T) {
	for _, layout := range []string{"ring", "grid"} {
		s := Spec{Kind: "gaussian_mixture", Layout: layout, Std: 0.1, Samples: 20000, Seed: 7}
		d, err := Load(s)
		if err != nil {
			t.Fatal(err)
		}
		modes := len(d.Centers)
		if d.N != 20000 || !slices.Equal(d.Shape, []int{2}) || d.NumClasses != modes || d.Std != 0.1 {
			t.Fatalf("%s: N %d shape %v classes %d modes %d std %v", layout, d.N, d.Shape, d.NumClasses, modes, d.Std)
		}
		// Each mode's sample mean lies within 5 standard errors of its centre,
		// its spread is std, and the modes are drawn about equally often.
		sum := make([][2]float64, modes)
		sq := make([]float64, modes)
		cnt := make([]int, modes)
		for i, l := range d.Labels {
			c := d.Centers[l]
			dx, dy := float64(d.X[2*i])-c[0], float64(d.X[2*i+1])-c[1]
			sum[l][0] += dx
			sum[l][1] += dy
			sq[l] += dx*dx + dy*dy
			cnt[l]++
		}
		expect := float64(d.N) / float64(modes)
		for k := range modes {
			n := float64(cnt[k])
			if math.Abs(n-expect) > 5*math.Sqrt(expect) {
				t.Errorf("%s: mode %d drawn %d times, expected about %.0f", layout, k, cnt[k], expect)
			}
			se := 0.1 / math.Sqrt(n)
			if math.Abs(sum[k][0]/n) > 5*se || math.Abs(sum[k][1]/n) > 5*se {
				t.Errorf("%s: mode %d mean off its centre by (%.4f, %.4f), standard error %.4f", layout, k, sum[k][0]/n, sum[k][1]/n, se)
			}
			if sd := math.Sqrt(sq[k] / (2 * n)); math.Abs(sd-0.1) > 0.01 {
				t.Errorf("%s: mode %d spread %.4f, want 0.1", layout, k, sd)
			}
		}
	}
}

func TestMixtureDeterminismAndChecksum(t *testing.T) {
	base := Spec{Kind: "gaussian_mixture", Layout: "ring", Modes: 8, Radius: 2, Std: 0.02, Samples: 500, Seed: 3}
	a, _ := Load(base)
	b, _ := Load(base)
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Labels, b.Labels) || a.Checksum != b.Checksum {
		t.Fatal("same spec, different data")
	}
	other := base
	other.Seed = 4
	c, _ := Load(other)
	if slices.Equal(a.X, c.X) || a.Checksum == c.Checksum {
		t.Error("another seed gave the same data or checksum")
	}
	// Zero fields take the documented defaults, the checksum included.
	def, err := Load(Spec{Kind: "gaussian_mixture", Samples: 500, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(def.X, a.X) || def.Checksum != a.Checksum {
		t.Error("defaults differ from ring/8/2/0.02")
	}
	lim := base
	lim.Limit = 100
	l, _ := Load(lim)
	if !slices.Equal(l.X, a.X[:200]) {
		t.Error("limit is not a prefix of the samples")
	}
	if _, err := Load(Spec{Kind: "gaussian_mixture", Std: -1}); err == nil {
		t.Error("negative std accepted")
	}
}
