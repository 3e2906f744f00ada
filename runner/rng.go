package runner

import (
	"hash/fnv"
	"math/rand/v2"
)

// stream derives an independent random stream for one purpose ("init/encoder",
// "shuffle", "noise", "eval", ...) from the run seed. The purpose is hashed
// into PCG's second word, so streams never share a sequence.
func stream(seed int64, purpose string) *rand.PCG {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	return rand.NewPCG(uint64(seed), h.Sum64())
}

func streamRand(seed int64, purpose string) *rand.Rand { return rand.New(stream(seed, purpose)) }

func streamSeed(seed int64, purpose string) uint64 { return stream(seed, purpose).Uint64() }
