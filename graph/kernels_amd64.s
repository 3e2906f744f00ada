//go:build amd64 && !noasm

#include "textflag.h"

// AVX2 elementwise kernels. Each processes n floats, n a positive multiple
// of 8, and performs exactly the float32 operations of its scalar reference
// in kernels_math.go / kernels.go, in the same order (no FMA), so results are
// bitwise those of the reference. Operand order follows Go's assembler:
// VSUBPS b, a, d computes d = a − b; VCMPPS $p, b, a, d compares a with b;
// VBLENDVPS m, x, y, d picks x where m is set, else y; VMAXPS x, lo, d
// returns x when either is NaN, which keeps NaNs alive through the clamp.

// Constants, each broadcast over 32 bytes.
DATA kc<>+0(SB)/8, $0x8000000080000000
DATA kc<>+8(SB)/8, $0x8000000080000000
DATA kc<>+16(SB)/8, $0x8000000080000000
DATA kc<>+24(SB)/8, $0x8000000080000000
DATA kc<>+32(SB)/8, $0x7fffffff7fffffff
DATA kc<>+40(SB)/8, $0x7fffffff7fffffff
DATA kc<>+48(SB)/8, $0x7fffffff7fffffff
DATA kc<>+56(SB)/8, $0x7fffffff7fffffff
DATA kc<>+64(SB)/8, $0x3f8000003f800000
DATA kc<>+72(SB)/8, $0x3f8000003f800000
DATA kc<>+80(SB)/8, $0x3f8000003f800000
DATA kc<>+88(SB)/8, $0x3f8000003f800000
DATA kc<>+96(SB)/8, $0x3f0000003f000000
DATA kc<>+104(SB)/8, $0x3f0000003f000000
DATA kc<>+112(SB)/8, $0x3f0000003f000000
DATA kc<>+120(SB)/8, $0x3f0000003f000000
DATA kc<>+128(SB)/8, $0xc2aeac50c2aeac50
DATA kc<>+136(SB)/8, $0xc2aeac50c2aeac50
DATA kc<>+144(SB)/8, $0xc2aeac50c2aeac50
DATA kc<>+152(SB)/8, $0xc2aeac50c2aeac50
DATA kc<>+160(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA kc<>+168(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA kc<>+176(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA kc<>+184(SB)/8, $0x3fb8aa3b3fb8aa3b
DATA kc<>+192(SB)/8, $0x3f3180003f318000
DATA kc<>+200(SB)/8, $0x3f3180003f318000
DATA kc<>+208(SB)/8, $0x3f3180003f318000
DATA kc<>+216(SB)/8, $0x3f3180003f318000
DATA kc<>+224(SB)/8, $0xb95e8083b95e8083
DATA kc<>+232(SB)/8, $0xb95e8083b95e8083
DATA kc<>+240(SB)/8, $0xb95e8083b95e8083
DATA kc<>+248(SB)/8, $0xb95e8083b95e8083
DATA kc<>+256(SB)/8, $0x3950696739506967
DATA kc<>+264(SB)/8, $0x3950696739506967
DATA kc<>+272(SB)/8, $0x3950696739506967
DATA kc<>+280(SB)/8, $0x3950696739506967
DATA kc<>+288(SB)/8, $0x3ab743ce3ab743ce
DATA kc<>+296(SB)/8, $0x3ab743ce3ab743ce
DATA kc<>+304(SB)/8, $0x3ab743ce3ab743ce
DATA kc<>+312(SB)/8, $0x3ab743ce3ab743ce
DATA kc<>+320(SB)/8, $0x3c0889083c088908
DATA kc<>+328(SB)/8, $0x3c0889083c088908
DATA kc<>+336(SB)/8, $0x3c0889083c088908
DATA kc<>+344(SB)/8, $0x3c0889083c088908
DATA kc<>+352(SB)/8, $0x3d2aa9c13d2aa9c1
DATA kc<>+360(SB)/8, $0x3d2aa9c13d2aa9c1
DATA kc<>+368(SB)/8, $0x3d2aa9c13d2aa9c1
DATA kc<>+376(SB)/8, $0x3d2aa9c13d2aa9c1
DATA kc<>+384(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA kc<>+392(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA kc<>+400(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA kc<>+408(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA kc<>+416(SB)/8, $0x3f0000003f000000
DATA kc<>+424(SB)/8, $0x3f0000003f000000
DATA kc<>+432(SB)/8, $0x3f0000003f000000
DATA kc<>+440(SB)/8, $0x3f0000003f000000
DATA kc<>+448(SB)/8, $0x0000007f0000007f
DATA kc<>+456(SB)/8, $0x0000007f0000007f
DATA kc<>+464(SB)/8, $0x0000007f0000007f
DATA kc<>+472(SB)/8, $0x0000007f0000007f
DATA kc<>+480(SB)/8, $0x3fb504f33fb504f3
DATA kc<>+488(SB)/8, $0x3fb504f33fb504f3
DATA kc<>+496(SB)/8, $0x3fb504f33fb504f3
DATA kc<>+504(SB)/8, $0x3fb504f33fb504f3
DATA kc<>+512(SB)/8, $0x3d9021bb3d9021bb
DATA kc<>+520(SB)/8, $0x3d9021bb3d9021bb
DATA kc<>+528(SB)/8, $0x3d9021bb3d9021bb
DATA kc<>+536(SB)/8, $0x3d9021bb3d9021bb
DATA kc<>+544(SB)/8, $0xbdebd1b8bdebd1b8
DATA kc<>+552(SB)/8, $0xbdebd1b8bdebd1b8
DATA kc<>+560(SB)/8, $0xbdebd1b8bdebd1b8
DATA kc<>+568(SB)/8, $0xbdebd1b8bdebd1b8
DATA kc<>+576(SB)/8, $0x3def251a3def251a
DATA kc<>+584(SB)/8, $0x3def251a3def251a
DATA kc<>+592(SB)/8, $0x3def251a3def251a
DATA kc<>+600(SB)/8, $0x3def251a3def251a
DATA kc<>+608(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA kc<>+616(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA kc<>+624(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA kc<>+632(SB)/8, $0xbdfe5d4fbdfe5d4f
DATA kc<>+640(SB)/8, $0x3e11e9bf3e11e9bf
DATA kc<>+648(SB)/8, $0x3e11e9bf3e11e9bf
DATA kc<>+656(SB)/8, $0x3e11e9bf3e11e9bf
DATA kc<>+664(SB)/8, $0x3e11e9bf3e11e9bf
DATA kc<>+672(SB)/8, $0xbe2aae50be2aae50
DATA kc<>+680(SB)/8, $0xbe2aae50be2aae50
DATA kc<>+688(SB)/8, $0xbe2aae50be2aae50
DATA kc<>+696(SB)/8, $0xbe2aae50be2aae50
DATA kc<>+704(SB)/8, $0x3e4cceac3e4cceac
DATA kc<>+712(SB)/8, $0x3e4cceac3e4cceac
DATA kc<>+720(SB)/8, $0x3e4cceac3e4cceac
DATA kc<>+728(SB)/8, $0x3e4cceac3e4cceac
DATA kc<>+736(SB)/8, $0xbe7ffffcbe7ffffc
DATA kc<>+744(SB)/8, $0xbe7ffffcbe7ffffc
DATA kc<>+752(SB)/8, $0xbe7ffffcbe7ffffc
DATA kc<>+760(SB)/8, $0xbe7ffffcbe7ffffc
DATA kc<>+768(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA kc<>+776(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA kc<>+784(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA kc<>+792(SB)/8, $0x3eaaaaaa3eaaaaaa
DATA kc<>+800(SB)/8, $0x3f2000003f200000
DATA kc<>+808(SB)/8, $0x3f2000003f200000
DATA kc<>+816(SB)/8, $0x3f2000003f200000
DATA kc<>+824(SB)/8, $0x3f2000003f200000
DATA kc<>+832(SB)/8, $0xc0000000c0000000
DATA kc<>+840(SB)/8, $0xc0000000c0000000
DATA kc<>+848(SB)/8, $0xc0000000c0000000
DATA kc<>+856(SB)/8, $0xc0000000c0000000
DATA kc<>+864(SB)/8, $0xbbbaf0eabbbaf0ea
DATA kc<>+872(SB)/8, $0xbbbaf0eabbbaf0ea
DATA kc<>+880(SB)/8, $0xbbbaf0eabbbaf0ea
DATA kc<>+888(SB)/8, $0xbbbaf0eabbbaf0ea
DATA kc<>+896(SB)/8, $0x3ca9134e3ca9134e
DATA kc<>+904(SB)/8, $0x3ca9134e3ca9134e
DATA kc<>+912(SB)/8, $0x3ca9134e3ca9134e
DATA kc<>+920(SB)/8, $0x3ca9134e3ca9134e
DATA kc<>+928(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA kc<>+936(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA kc<>+944(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA kc<>+952(SB)/8, $0xbd5c1e2dbd5c1e2d
DATA kc<>+960(SB)/8, $0x3e0883933e088393
DATA kc<>+968(SB)/8, $0x3e0883933e088393
DATA kc<>+976(SB)/8, $0x3e0883933e088393
DATA kc<>+984(SB)/8, $0x3e0883933e088393
DATA kc<>+992(SB)/8, $0xbeaaaa99beaaaa99
DATA kc<>+1000(SB)/8, $0xbeaaaa99beaaaa99
DATA kc<>+1008(SB)/8, $0xbeaaaa99beaaaa99
DATA kc<>+1016(SB)/8, $0xbeaaaa99beaaaa99
GLOBL kc<>(SB), RODATA|NOPTR, $1024

#define K_SIGN kc<>+0(SB)
#define K_ABS kc<>+32(SB)
#define K_ONE kc<>+64(SB)
#define K_HALF kc<>+96(SB)
#define K_EXPLO kc<>+128(SB)
#define K_LOG2E kc<>+160(SB)
#define K_EXPC1 kc<>+192(SB)
#define K_EXPC2 kc<>+224(SB)
#define K_EXPP0 kc<>+256(SB)
#define K_EXPP1 kc<>+288(SB)
#define K_EXPP2 kc<>+320(SB)
#define K_EXPP3 kc<>+352(SB)
#define K_EXPP4 kc<>+384(SB)
#define K_EXPP5 kc<>+416(SB)
#define K_BIAS kc<>+448(SB)
#define K_SQRT2 kc<>+480(SB)
#define K_LOGP0 kc<>+512(SB)
#define K_LOGP1 kc<>+544(SB)
#define K_LOGP2 kc<>+576(SB)
#define K_LOGP3 kc<>+608(SB)
#define K_LOGP4 kc<>+640(SB)
#define K_LOGP5 kc<>+672(SB)
#define K_LOGP6 kc<>+704(SB)
#define K_LOGP7 kc<>+736(SB)
#define K_LOGP8 kc<>+768(SB)
#define K_TANHSMALL kc<>+800(SB)
#define K_MINUS2 kc<>+832(SB)
#define K_TANHP0 kc<>+864(SB)
#define K_TANHP1 kc<>+896(SB)
#define K_TANHP2 kc<>+928(SB)
#define K_TANHP3 kc<>+960(SB)
#define K_TANHP4 kc<>+992(SB)

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() (eax, edx uint32)
TEXT ·xgetbv0(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// EXPNEG sets p = exp32(x) for x ≤ 0 or NaN (exp32's upper clamp is then a
// no-op); lo holds expLo. Clobbers x, n, g, z.
#define EXPNEG(x, lo, n, g, z, p) \
	VMAXPS    x, lo, x;       \
	VMULPS    K_LOG2E, x, n;  \
	VROUNDPS  $0, n, n;       \
	VMULPS    K_EXPC1, n, g;  \
	VSUBPS    g, x, g;        \
	VMULPS    K_EXPC2, n, z;  \
	VSUBPS    z, g, g;        \
	VMULPS    g, g, z;        \
	VMULPS    K_EXPP0, g, p;  \
	VADDPS    K_EXPP1, p, p;  \
	VMULPS    K_EXPP2, g, x;  \
	VADDPS    K_EXPP3, x, x;  \
	VMULPS    z, p, p;        \
	VADDPS    x, p, p;        \
	VMULPS    K_EXPP4, g, x;  \
	VADDPS    K_EXPP5, x, x;  \
	VMULPS    z, p, p;        \
	VADDPS    x, p, p;        \
	VMULPS    z, p, p;        \
	VADDPS    g, p, p;        \
	VADDPS    K_ONE, p, p;    \
	VCVTPS2DQ n, n;           \
	VPADDD    K_BIAS, n, n;   \
	VPSLLD    $23, n, n;      \
	VMULPS    n, p, p

// SIGPARTS computes from logits l: u = e^−|l|, w = 1 + u, r = 1/w and
// pos = (l > 0). Needs Y13 = 1, Y14 = expLo; clobbers Y1–Y4.
#define SIGPARTS(l, u, w, r, pos) \
	VORPS     K_SIGN, l, Y1;                \
	EXPNEG(Y1, Y14, Y2, Y3, Y4, u);         \
	VADDPS    Y13, u, w;                    \
	VDIVPS    w, Y13, r;                    \
	VXORPS    pos, pos, pos;                \
	VCMPPS    $14, pos, l, pos

// LOGW sets d = logw(w) for w in [1, 2]. Needs Y13 = 1; clobbers e, f, z,
// z2, t, t2.
#define LOGW(w, d, e, f, z, z2, t, t2) \
	VCMPPS    $14, K_SQRT2, w, e;  \
	VMULPS    K_HALF, w, f;        \
	VBLENDVPS e, f, w, f;          \
	VANDPS    Y13, e, e;           \
	VSUBPS    Y13, f, f;           \
	VMULPS    f, f, z;             \
	VMULPS    z, z, z2;            \
	VMULPS    K_LOGP0, f, d;       \
	VADDPS    K_LOGP1, d, d;       \
	VMULPS    K_LOGP2, f, t;       \
	VADDPS    K_LOGP3, t, t;       \
	VMULPS    z, d, d;             \
	VADDPS    t, d, d;             \
	VMULPS    K_LOGP4, f, t;       \
	VADDPS    K_LOGP5, t, t;       \
	VMULPS    K_LOGP6, f, t2;      \
	VADDPS    K_LOGP7, t2, t2;     \
	VMULPS    z, t, t;             \
	VADDPS    t2, t, t;            \
	VMULPS    z2, d, d;            \
	VADDPS    t, d, d;             \
	VMULPS    f, d, d;             \
	VADDPS    K_LOGP8, d, d;       \
	VMULPS    f, d, d;             \
	VMULPS    z, d, d;             \
	VMULPS    K_EXPC2, e, t;       \
	VADDPS    t, d, d;             \
	VMULPS    K_HALF, z, t;        \
	VSUBPS    t, d, d;             \
	VADDPS    d, f, d;             \
	VMULPS    K_EXPC1, e, t;       \
	VADDPS    t, d, d

// ---- simple elementwise kernels, unrolled four times ----

#define ADDTO(off) \
	VMOVUPS off(DI), Y0;      \
	VADDPS  off(SI), Y0, Y0;  \
	VMOVUPS Y0, off(DI)

// func addToAVX2(dst, src *float32, n int)
TEXT ·addToAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	CMPQ CX, $32
	JLT  one
four:
	ADDTO(0)
	ADDTO(32)
	ADDTO(64)
	ADDTO(96)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	ADDTO(0)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

#define ADD3(off) \
	VMOVUPS off(SI), Y0;      \
	VADDPS  off(DX), Y0, Y0;  \
	VMOVUPS Y0, off(DI)

// func add3AVX2(dst, a, b *float32, n int)
TEXT ·add3AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	CMPQ CX, $32
	JLT  one
four:
	ADD3(0)
	ADD3(32)
	ADD3(64)
	ADD3(96)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	ADD3(0)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

#define SCALE(off) \
	VMULPS  off(DI), Y14, Y0; \
	VMOVUPS Y0, off(DI)

// func scaleAVX2(dst *float32, s float32, n int)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	VBROADCASTSS s+8(FP), Y14
	MOVQ         n+16(FP), CX
	CMPQ CX, $32
	JLT  one
four:
	SCALE(0)
	SCALE(32)
	SCALE(64)
	SCALE(96)
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	SCALE(0)
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// y = x where !(x <= 0) (x > 0 or NaN), else +0: Go's max(x, 0).
#define RELUFWD(off) \
	VCMPPS  $9, off(SI), Y15, Y0; \
	VANDPS  off(SI), Y0, Y0;      \
	VMOVUPS Y0, off(DI)

// func reluFwdAVX2(y, x *float32, n int)
TEXT ·reluFwdAVX2(SB), NOSPLIT, $0-24
	MOVQ   y+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y15, Y15, Y15
	CMPQ   CX, $32
	JLT    one
four:
	RELUFWD(0)
	RELUFWD(32)
	RELUFWD(64)
	RELUFWD(96)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	RELUFWD(0)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// dx += (0 < x ? dy : +0)
#define RELUBWD(off) \
	VCMPPS  $1, off(SI), Y15, Y0; \
	VANDPS  off(DX), Y0, Y0;      \
	VADDPS  off(DI), Y0, Y0;      \
	VMOVUPS Y0, off(DI)

// func reluBwdAVX2(dx, x, dy *float32, n int)
TEXT ·reluBwdAVX2(SB), NOSPLIT, $0-32
	MOVQ   dx+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   dy+16(FP), DX
	MOVQ   n+24(FP), CX
	VXORPS Y15, Y15, Y15
	CMPQ   CX, $32
	JLT    one
four:
	RELUBWD(0)
	RELUBWD(32)
	RELUBWD(64)
	RELUBWD(96)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	RELUBWD(0)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// y = x > 0 ? x : slope·x
#define LEAKYFWD(off) \
	VMOVUPS   off(SI), Y0;         \
	VMULPS    Y14, Y0, Y1;         \
	VCMPPS    $14, Y15, Y0, Y2;    \
	VBLENDVPS Y2, Y0, Y1, Y1;      \
	VMOVUPS   Y1, off(DI)

// func leakyFwdAVX2(y, x *float32, slope float32, n int)
TEXT ·leakyFwdAVX2(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS slope+16(FP), Y14
	MOVQ         n+24(FP), CX
	VXORPS       Y15, Y15, Y15
	CMPQ         CX, $32
	JLT          one
four:
	LEAKYFWD(0)
	LEAKYFWD(32)
	LEAKYFWD(64)
	LEAKYFWD(96)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	LEAKYFWD(0)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// dx += x > 0 ? dy : slope·dy
#define LEAKYBWD(off) \
	VMOVUPS   off(DX), Y0;          \
	VMULPS    Y14, Y0, Y1;          \
	VCMPPS    $1, off(SI), Y15, Y2; \
	VBLENDVPS Y2, Y0, Y1, Y1;       \
	VADDPS    off(DI), Y1, Y1;      \
	VMOVUPS   Y1, off(DI)

// func leakyBwdAVX2(dx, x, dy *float32, slope float32, n int)
TEXT ·leakyBwdAVX2(SB), NOSPLIT, $0-40
	MOVQ         dx+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         dy+16(FP), DX
	VBROADCASTSS slope+24(FP), Y14
	MOVQ         n+32(FP), CX
	VXORPS       Y15, Y15, Y15
	CMPQ         CX, $32
	JLT          one
four:
	LEAKYBWD(0)
	LEAKYBWD(32)
	LEAKYBWD(64)
	LEAKYBWD(96)
	ADDQ $128, DI
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $32, CX
	CMPQ CX, $32
	JGE  four
one:
	TESTQ CX, CX
	JZ    done
loop:
	LEAKYBWD(0)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  loop
done:
	VZEROUPPER
	RET

// dx += dy·s·(1 − s) with s = y
#define SIGBWD(off) \
	VMOVUPS off(SI), Y0;      \
	VMULPS  off(DX), Y0, Y1;  \
	VSUBPS  Y0, Y13, Y2;      \
	VMULPS  Y2, Y1, Y1;       \
	VADDPS  off(DI), Y1, Y1;  \
	VMOVUPS Y1, off(DI)

// func sigmoidBwdAVX2(dx, y, dy *float32, n int)
TEXT ·sigmoidBwdAVX2(SB), NOSPLIT, $0-32
	MOVQ    dx+0(FP), DI
	MOVQ    y+8(FP), SI
	MOVQ    dy+16(FP), DX
	MOVQ    n+24(FP), CX
	VMOVUPS K_ONE, Y13
loop:
	SIGBWD(0)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// dx += dy·(1 − t·t) with t = y
#define TANHBWD(off) \
	VMOVUPS off(SI), Y0;      \
	VMULPS  Y0, Y0, Y1;       \
	VSUBPS  Y1, Y13, Y1;      \
	VMULPS  off(DX), Y1, Y1;  \
	VADDPS  off(DI), Y1, Y1;  \
	VMOVUPS Y1, off(DI)

// func tanhBwdAVX2(dx, y, dy *float32, n int)
TEXT ·tanhBwdAVX2(SB), NOSPLIT, $0-32
	MOVQ    dx+0(FP), DI
	MOVQ    y+8(FP), SI
	MOVQ    dy+16(FP), DX
	MOVQ    n+24(FP), CX
	VMOVUPS K_ONE, Y13
loop:
	TANHBWD(0)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// ---- transcendental kernels ----

// func sigmoidFwdAVX2(y, x *float32, n int)
TEXT ·sigmoidFwdAVX2(SB), NOSPLIT, $0-24
	MOVQ    y+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), CX
	VMOVUPS K_ONE, Y13
	VMOVUPS K_EXPLO, Y14
loop:
	VMOVUPS (SI), Y0
	SIGPARTS(Y0, Y5, Y6, Y7, Y8)
	VMULPS    Y7, Y5, Y9
	VBLENDVPS Y8, Y7, Y9, Y9
	VMOVUPS   Y9, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// func tanhFwdAVX2(y, x *float32, n int)
TEXT ·tanhFwdAVX2(SB), NOSPLIT, $0-24
	MOVQ    y+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), CX
	VMOVUPS K_ONE, Y13
	VMOVUPS K_EXPLO, Y14
loop:
	VMOVUPS (SI), Y0
	VANDPS  K_ABS, Y0, Y1
	VMULPS  K_MINUS2, Y1, Y2
	EXPNEG(Y2, Y14, Y3, Y4, Y5, Y6)
	VSUBPS  Y6, Y13, Y7
	VADDPS  Y13, Y6, Y8
	VDIVPS  Y8, Y7, Y7
	VMULPS  Y1, Y1, Y9
	VMULPS  K_TANHP0, Y9, Y10
	VADDPS  K_TANHP1, Y10, Y10
	VMULPS  Y9, Y10, Y10
	VADDPS  K_TANHP2, Y10, Y10
	VMULPS  Y9, Y10, Y10
	VADDPS  K_TANHP3, Y10, Y10
	VMULPS  Y9, Y10, Y10
	VADDPS  K_TANHP4, Y10, Y10
	VMULPS  Y9, Y10, Y10
	VMULPS  Y1, Y10, Y10
	VADDPS  Y1, Y10, Y10
	VCMPPS    $14, K_TANHSMALL, Y1, Y11
	VBLENDVPS Y11, Y7, Y10, Y10
	VANDPS    K_SIGN, Y0, Y8
	VORPS     Y8, Y10, Y10
	VMOVUPS   Y10, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// func bernoulliAVX2(l, x *float32, xinc int, grad *float32, scale float32, n int, acc *lanes)
//
// Per element: term = (c − x)·l + log1p(e^−|l|) with c = (l > 0), added
// to the float64 lanes as acc[j] += term[j] + term[j+4] per 8-block; and,
// when grad is not nil, grad += scale·(σ(l) − x). x advances by xinc bytes per
// block (0: a constant target repeated 8 times).
TEXT ·bernoulliAVX2(SB), NOSPLIT, $0-56
	MOVQ         l+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         xinc+16(FP), R8
	MOVQ         grad+24(FP), DX
	VBROADCASTSS scale+32(FP), Y12
	MOVQ         n+40(FP), CX
	MOVQ         acc+48(FP), BX
	VMOVUPD      (BX), Y15
	VMOVUPS      K_ONE, Y13
	VMOVUPS      K_EXPLO, Y14
loop:
	VMOVUPS (SI), Y0
	SIGPARTS(Y0, Y5, Y6, Y7, Y8)
	VMULPS    Y7, Y5, Y9
	VBLENDVPS Y8, Y7, Y9, Y9
	LOGW(Y6, Y1, Y10, Y11, Y4, Y8, Y2, Y3)
	VSUBPS    Y13, Y6, Y2
	VSUBPS    Y2, Y5, Y2
	VMULPS    Y7, Y2, Y2
	VADDPS    Y2, Y1, Y1
	VXORPS    Y8, Y8, Y8
	VCMPPS    $14, Y8, Y0, Y8
	VANDPS    Y13, Y8, Y3
	VMOVUPS   (DI), Y4
	VSUBPS    Y4, Y3, Y3
	VMULPS    Y0, Y3, Y3
	VADDPS    Y1, Y3, Y3
	VCVTPS2PD X3, Y10
	VEXTRACTF128 $1, Y3, X3
	VCVTPS2PD X3, Y11
	VADDPD    Y11, Y10, Y10
	VADDPD    Y10, Y15, Y15
	TESTQ     DX, DX
	JZ        next
	VSUBPS    Y4, Y9, Y9
	VMULPS    Y12, Y9, Y9
	VADDPS    (DX), Y9, Y9
	VMOVUPS   Y9, (DX)
	ADDQ      $32, DX
next:
	ADDQ $32, SI
	ADDQ R8, DI
	SUBQ $8, CX
	JNZ  loop
	VMOVUPD Y15, (BX)
	VZEROUPPER
	RET

// func adamAVX2(p, grad, m, v *float32, n int, k *adamConsts, acc *lanes, flags int)
//
// flags: 1 adds decay·p to the gradient; 2 zeroes the gradient once read.
TEXT ·adamAVX2(SB), NOSPLIT, $0-64
	MOVQ         p+0(FP), DI
	MOVQ         grad+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n+32(FP), CX
	MOVQ         k+40(FP), AX
	MOVQ         acc+48(FP), BX
	MOVQ         flags+56(FP), DX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14
	VMOVUPD      (BX), Y15
loop:
	VMOVUPS      (SI), Y0
	VCVTPS2PD    X0, Y1
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2
	VMULPD       Y1, Y1, Y1
	VMULPD       Y2, Y2, Y2
	VADDPD       Y2, Y1, Y1
	VADDPD       Y1, Y15, Y15
	VMOVUPS      (DI), Y3
	TESTQ        $1, DX
	JZ           nodecay
	VBROADCASTSS 28(AX), Y4
	VMULPS       Y3, Y4, Y4
	VADDPS       Y4, Y0, Y0
nodecay:
	TESTQ   $2, DX
	JZ      keep
	VXORPS  Y4, Y4, Y4
	VMOVUPS Y4, (SI)
keep:
	VMULPS  (R8), Y8, Y4
	VMULPS  Y0, Y9, Y5
	VADDPS  Y5, Y4, Y4
	VMOVUPS Y4, (R8)
	VMULPS  (R9), Y10, Y6
	VMULPS  Y0, Y11, Y5
	VMULPS  Y0, Y5, Y5
	VADDPS  Y5, Y6, Y6
	VMOVUPS Y6, (R9)
	VSQRTPS Y6, Y7
	VDIVPS  Y13, Y7, Y7
	VADDPS  Y14, Y7, Y7
	VMULPS  Y4, Y12, Y5
	VDIVPS  Y7, Y5, Y5
	VSUBPS  Y5, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	JNZ     loop
	VMOVUPD Y15, (BX)
	VZEROUPPER
	RET

// func spinPause()
// PAUSE tells the core a spin-wait is in progress: it yields execution
// resources to a sibling hyperthread and saves power.
TEXT ·spinPause(SB), NOSPLIT, $0-0
	PAUSE
	PAUSE
	PAUSE
	PAUSE
	RET

// func sumAVX2(x *float32, n int, acc *lanes)
// acc[j] += float64(x[j]) + float64(x[j+4]) per 8-block.
TEXT ·sumAVX2(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    acc+16(FP), BX
	VMOVUPD (BX), Y15
sumloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VADDPD    Y1, Y0, Y0
	VADDPD    Y0, Y15, Y15
	ADDQ      $32, SI
	SUBQ      $8, CX
	JNZ       sumloop
	VMOVUPD Y15, (BX)
	VZEROUPPER
	RET

// func statsAVX2(x *float32, n int, k float64, s, ss *lanes)
// With d = float64(x) − k: s and ss take d and d·d in lanes order.
TEXT ·statsAVX2(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSD k+16(FP), Y14
	MOVQ         s+24(FP), BX
	MOVQ         ss+32(FP), DX
	VMOVUPD      (BX), Y15
	VMOVUPD      (DX), Y13
statsloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VSUBPD    Y14, Y0, Y0
	VSUBPD    Y14, Y1, Y1
	VADDPD    Y1, Y0, Y2
	VADDPD    Y2, Y15, Y15
	VMULPD    Y0, Y0, Y0
	VMULPD    Y1, Y1, Y1
	VADDPD    Y1, Y0, Y0
	VADDPD    Y0, Y13, Y13
	ADDQ      $32, SI
	SUBQ      $8, CX
	JNZ       statsloop
	VMOVUPD Y15, (BX)
	VMOVUPD Y13, (DX)
	VZEROUPPER
	RET

// func gradSumsAVX2(dy, x *float32, n int, m, is float32, s, sx *lanes)
// s takes dy and sx takes dy·(x − m)·is (in float32), in lanes order.
TEXT ·gradSumsAVX2(SB), NOSPLIT, $0-48
	MOVQ         dy+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         n+16(FP), CX
	VBROADCASTSS m+24(FP), Y12
	VBROADCASTSS is+28(FP), Y11
	MOVQ         s+32(FP), BX
	MOVQ         sx+40(FP), DX
	VMOVUPD      (BX), Y15
	VMOVUPD      (DX), Y13
gsloop:
	VMOVUPS      (SI), Y0
	VMOVUPS      (DI), Y1
	VSUBPS       Y12, Y1, Y1
	VMULPS       Y1, Y0, Y1
	VMULPS       Y11, Y1, Y1
	VCVTPS2PD    X0, Y2
	VEXTRACTF128 $1, Y0, X3
	VCVTPS2PD    X3, Y3
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y15, Y15
	VCVTPS2PD    X1, Y4
	VEXTRACTF128 $1, Y1, X5
	VCVTPS2PD    X5, Y5
	VADDPD       Y5, Y4, Y4
	VADDPD       Y4, Y13, Y13
	ADDQ         $32, SI
	ADDQ         $32, DI
	SUBQ         $8, CX
	JNZ          gsloop
	VMOVUPD Y15, (BX)
	VMOVUPD Y13, (DX)
	VZEROUPPER
	RET

// func bnNormAVX2(y, x *float32, n int, m, s, t float32)
// y = (x − m)·s + t.
TEXT ·bnNormAVX2(SB), NOSPLIT, $0-36
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS m+24(FP), Y13
	VBROADCASTSS s+28(FP), Y14
	VBROADCASTSS t+32(FP), Y15
bnnloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y13, Y0, Y0
	VMULPS  Y14, Y0, Y0
	VADDPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     bnnloop
	VZEROUPPER
	RET

// func bnGradAVX2(dx, dy, x *float32, n int, m, gs, md, mdx float32)
// dx += gs·(dy − md − (x − m)·mdx).
TEXT ·bnGradAVX2(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), SI
	MOVQ         x+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS m+32(FP), Y12
	VBROADCASTSS gs+36(FP), Y13
	VBROADCASTSS md+40(FP), Y14
	VBROADCASTSS mdx+44(FP), Y15
bngloop:
	VMOVUPS (DX), Y0
	VSUBPS  Y12, Y0, Y0
	VMULPS  Y15, Y0, Y0
	VMOVUPS (SI), Y1
	VSUBPS  Y14, Y1, Y1
	VSUBPS  Y0, Y1, Y1
	VMULPS  Y1, Y13, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JNZ     bngloop
	VZEROUPPER
	RET

// func gatherRowsAVX2(dst, src *float32, idx *int32, nb, w, bstride int, mask *[8]int32)
// For each of nb blocks, bstride floats apart in src, writes the w values
// src[idx[j]] (0 where idx[j] < 0) one after another into dst, 8 at a time:
// idx holds w rounded up to 8 entries, and a block's last 8 may spill into
// the next block's, which overwrites them; the last block's last 8 go
// through mask (the lanes before w's end), so nothing past nb·w is written.
TEXT ·gatherRowsAVX2(SB), NOSPLIT, $0-56
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	MOVQ    idx+16(FP), R8
	MOVQ    nb+24(FP), DX
	MOVQ    w+32(FP), R9
	MOVQ    bstride+40(FP), R10
	MOVQ    mask+48(FP), AX
	SHLQ    $2, R10
	VPCMPEQD Y15, Y15, Y15 // −1 in every lane
grblock:
	MOVQ R8, R11
	MOVQ DI, R12
	MOVQ R9, CX
grpiece:
	VMOVDQU    (R11), Y1
	VPCMPGTD   Y15, Y1, Y2 // idx > −1
	VPXOR      Y0, Y0, Y0
	VPGATHERDD Y2, (SI)(Y1*4), Y0
	CMPQ       CX, $8
	JG         grfull
	CMPQ       DX, $1
	JEQ        grlast
grfull:
	VMOVDQU Y0, (R12)
	ADDQ    $32, R11
	ADDQ    $32, R12
	SUBQ    $8, CX
	JG      grpiece
	LEAQ    (DI)(R9*4), DI
	ADDQ    R10, SI
	DECQ    DX
	JNZ     grblock
	VZEROUPPER
	RET
grlast:
	VMOVDQU    (AX), Y3
	VPMASKMOVD Y0, Y3, (R12)
	VZEROUPPER
	RET

// func col2imGatherAVX2(dst, base *float32, inv *int32, npix, slots int, mask *[8]int32)
// For each pixel i < npix of dst, adds base[inv[t·npix8 + i]] for t = 0, 1, …,
// slots−1 in turn (npix8 is npix rounded up to 8), skipping entries < 0.
// The last block of 8 pixels is read and written through mask (the lanes
// before npix).
TEXT ·col2imGatherAVX2(SB), NOSPLIT, $0-48
	MOVQ     dst+0(FP), DI
	MOVQ     base+8(FP), SI
	MOVQ     inv+16(FP), R8
	MOVQ     npix+24(FP), CX
	MOVQ     slots+32(FP), R9
	MOVQ     mask+40(FP), AX
	LEAQ     7(CX), R10
	ANDQ     $-8, R10
	SHLQ     $2, R10 // bytes between slots
	VPCMPEQD Y15, Y15, Y15
	VMOVDQU  (AX), Y14
cgblock:
	CMPQ    CX, $8
	JL      cgpart
	VMOVUPS (DI), Y0
	JMP     cgslots
cgpart:
	VMASKMOVPS (DI), Y14, Y0
cgslots:
	MOVQ R8, R11
	MOVQ R9, DX
cgslot:
	VMOVDQU    (R11), Y1
	VPCMPGTD   Y15, Y1, Y2
	VMOVDQA    Y2, Y4
	VPXOR      Y3, Y3, Y3
	VPGATHERDD Y2, (SI)(Y1*4), Y3
	VADDPS     Y3, Y0, Y5
	VBLENDVPS  Y4, Y5, Y0, Y0
	ADDQ       R10, R11
	DECQ       DX
	JNZ        cgslot
	CMPQ       CX, $8
	JL         cglast
	VMOVUPS    Y0, (DI)
	ADDQ       $32, DI
	ADDQ       $32, R8
	SUBQ       $8, CX
	JNZ        cgblock
	VZEROUPPER
	RET
cglast:
	VMASKMOVPS Y0, Y14, (DI)
	VZEROUPPER
	RET

// func addConstAVX2(dst, src *float32, v float32, n int)
// dst = src + v.
TEXT ·addConstAVX2(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS v+16(FP), Y15
	MOVQ         n+24(FP), CX
acloop:
	VADDPS  (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     acloop
	VZEROUPPER
	RET

// DCGAN's window: 4×4, stride 2, padding 1, over planes W = 2·OW wide
// (8 ≤ W ≤ 14). Input row ih feeds output rows oh with ih + 1 = 2·oh + kh;
// split into its even columns E and odd ones O, kernel column kw reads, at
// ow = 0…OW−1: kw 0 → O shifted right (column −1 is padding), kw 1 → E,
// kw 2 → O, kw 3 → E shifted left (column W is padding). Lanes past the
// row are zero (im2col) or −0 (col2im, where adding −0 changes nothing).

// K4S2ROW loads the row at SI (W floats) into E (Y2) and O (Y3).
#define K4S2ROW \
	VMOVUPS    (SI), Y0         \
	VMASKMOVPS 32(SI), Y15, Y1  \
	VSHUFPS    $0x88, Y1, Y0, Y2 \
	VPERMPD    $0xD8, Y2, Y2    \
	VSHUFPS    $0xDD, Y1, Y0, Y3 \
	VPERMPD    $0xD8, Y3, Y3

// K4S2PIECES writes, at AX, the row's pieces for kw = 0…3 (rows R8 apart;
// R12 = 3·R8): Y4 = O shifted right, Y2, Y3, Y5 = E shifted left.
#define K4S2PIECES \
	VMOVUPS Y4, (AX)        \
	VMOVUPS Y2, (AX)(R8*1)  \
	VMOVUPS Y3, (AX)(R8*2)  \
	VMOVUPS Y5, (AX)(R12*1)

#define K4S2ZEROS \
	VMOVUPS Y12, (AX)        \
	VMOVUPS Y12, (AX)(R8*1)  \
	VMOVUPS Y12, (AX)(R8*2)  \
	VMOVUPS Y12, (AX)(R12*1)

// func im2colK4S2AVX2(col, x *float32, n, oh, ow int, k *k4s2Consts)
// Writes one plane's 16 column rows: col is the plane's place in row (c, 0,
// 0), rows n floats apart; each piece of OW is written as 8 floats, the
// spill landing where the next piece (or the next plane's first) goes.
TEXT ·im2colK4S2AVX2(SB), NOSPLIT, $0-48
	MOVQ    col+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), R8
	MOVQ    oh+24(FP), R13
	MOVQ    ow+32(FP), R9
	MOVQ    k+40(FP), AX
	VMOVDQU 0(AX), Y15  // hi-load mask
	VMOVDQU 64(AX), Y14 // shift right
	VMOVDQU 96(AX), Y13 // shift left
	VXORPS  Y12, Y12, Y12
	SHLQ    $2, R8
	SHLQ    $2, R9
	LEAQ    (R8)(R8*2), R12
	LEAQ    (R8*4), BX   // kh 1
	LEAQ    (DI)(BX*1), BX
	LEAQ    (BX)(R8*4), DX   // kh 2
	LEAQ    (DX)(R8*4), R10  // kh 3
	// Padding row −1: kh 0, oh 0.
	MOVQ DI, AX
	K4S2ZEROS
	XORQ R11, R11 // m·OW·4
	MOVQ R13, CX
i2cloop:
	// Row 2m: kh 1 at oh m, kh 3 at oh m−1.
	K4S2ROW
	VPERMPS Y3, Y14, Y4
	VPERMPS Y2, Y13, Y5
	LEAQ    (BX)(R11*1), AX
	K4S2PIECES
	TESTQ   R11, R11
	JZ      i2codd
	LEAQ    (R10)(R11*1), AX
	SUBQ    R9, AX
	K4S2PIECES
i2codd:
	// Row 2m+1: kh 0 at oh m+1, kh 2 at oh m.
	ADDQ    R9, SI
	ADDQ    R9, SI
	K4S2ROW
	VPERMPS Y3, Y14, Y4
	VPERMPS Y2, Y13, Y5
	CMPQ    CX, $1
	JEQ     i2ckh2
	LEAQ    (DI)(R11*1), AX
	ADDQ    R9, AX
	K4S2PIECES
i2ckh2:
	LEAQ    (DX)(R11*1), AX
	K4S2PIECES
	ADDQ    R9, SI
	ADDQ    R9, SI
	ADDQ    R9, R11
	DECQ    CX
	JNZ     i2cloop
	// Padding row H: kh 3, oh OH−1.
	LEAQ (R10)(R11*1), AX
	SUBQ R9, AX
	K4S2ZEROS
	VZEROUPPER
	RET

// K4S2ADD adds, into E (Y2) and O (Y3), the pieces at AX for kw = 0…3 in
// turn: O += (kw 0) shifted left, E += kw 1, O += kw 2, E += (kw 3) shifted
// right. Each piece is read as 8 floats; in the two shifted ones the lanes
// past OW become −0 (Y10, through the piece mask Y11) before the shift
// brings one of them into the row. The others' extra lanes land past the
// row, which is not stored.
#define K4S2ADD \
	VMOVUPS   (AX), Y4              \
	VBLENDVPS Y11, Y4, Y10, Y4      \
	VPERMPS   Y4, Y13, Y4           \
	VADDPS    Y4, Y3, Y3            \
	VADDPS    (AX)(R8*1), Y2, Y2    \
	VADDPS    (AX)(R8*2), Y3, Y3    \
	VMOVUPS   (AX)(R12*1), Y4       \
	VBLENDVPS Y11, Y4, Y10, Y4      \
	VPERMPS   Y4, Y14, Y4           \
	VADDPS    Y4, Y2, Y2

// K4S2STORE interleaves E and O back into the row at SI.
#define K4S2STORE \
	VUNPCKLPS  Y3, Y2, Y6        \
	VUNPCKHPS  Y3, Y2, Y7        \
	VPERM2F128 $0x20, Y7, Y6, Y0 \
	VPERM2F128 $0x31, Y7, Y6, Y1 \
	VMOVUPS    Y0, (SI)          \
	VMASKMOVPS Y1, Y15, 32(SI)

// func col2imK4S2AVX2(x, col *float32, n, oh, ow int, k *k4s2Consts)
// im2colK4S2AVX2's adjoint: adds one plane's column entries into the plane
// at x, each pixel's in kernel-offset order. Reads up to 8 floats at each
// piece: one past the plane's last piece in row (c, 3, 3).
TEXT ·col2imK4S2AVX2(SB), NOSPLIT, $0-48
	MOVQ    x+0(FP), SI
	MOVQ    col+8(FP), DI
	MOVQ    n+16(FP), R8
	MOVQ    oh+24(FP), R13
	MOVQ    ow+32(FP), R9
	MOVQ    k+40(FP), AX
	VMOVDQU 0(AX), Y15  // hi-load mask
	VMOVDQU 32(AX), Y11 // piece mask
	VMOVDQU 64(AX), Y14 // shift right
	VMOVDQU 96(AX), Y13 // shift left
	VMOVDQU 128(AX), Y10 // −0 past the piece
	SHLQ    $2, R8
	SHLQ    $2, R9
	LEAQ    (R8)(R8*2), R12
	LEAQ    (R8*4), BX
	LEAQ    (DI)(BX*1), BX   // kh 1
	LEAQ    (BX)(R8*4), DX   // kh 2
	LEAQ    (DX)(R8*4), R10  // kh 3
	XORQ    R11, R11
	MOVQ    R13, CX
c2iloop:
	// Row 2m: kh 1 at oh m, then kh 3 at oh m−1.
	K4S2ROW
	LEAQ    (BX)(R11*1), AX
	K4S2ADD
	TESTQ   R11, R11
	JZ      c2istore0
	LEAQ    (R10)(R11*1), AX
	SUBQ    R9, AX
	K4S2ADD
c2istore0:
	K4S2STORE
	ADDQ    R9, SI
	ADDQ    R9, SI
	// Row 2m+1: kh 0 at oh m+1, then kh 2 at oh m.
	K4S2ROW
	CMPQ    CX, $1
	JEQ     c2ikh2
	LEAQ    (DI)(R11*1), AX
	ADDQ    R9, AX
	K4S2ADD
c2ikh2:
	LEAQ    (DX)(R11*1), AX
	K4S2ADD
	K4S2STORE
	ADDQ    R9, SI
	ADDQ    R9, SI
	ADDQ    R9, R11
	DECQ    CX
	JNZ     c2iloop
	VZEROUPPER
	RET

// Batch norm over one value per channel (space 1): the channels of a block
// side by side, each with its own constants and sums.

// func bnNormLanesAVX2(y, x, m, s, t *float32, n int)
// y = (x − m)·s + t, elementwise.
TEXT ·bnNormLanesAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ s+24(FP), R9
	MOVQ t+32(FP), R10
	MOVQ n+40(FP), CX
bnnlloop:
	VMOVUPS (SI), Y0
	VSUBPS  (R8), Y0, Y0
	VMULPS  (R9), Y0, Y0
	VADDPS  (R10), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, R10
	SUBQ    $8, CX
	JNZ     bnnlloop
	VZEROUPPER
	RET

// func bnGradLanesAVX2(dx, dy, x *float32, k *bnGradConsts, n int)
// dx += gs·(dy − md − (x − m)·mdx), elementwise; k holds the pointers m,
// gs, md, mdx.
TEXT ·bnGradLanesAVX2(SB), NOSPLIT, $0-40
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ k+24(FP), AX
	MOVQ n+32(FP), CX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
bngloop2:
	VMOVUPS (DX), Y0
	VSUBPS  (R8), Y0, Y0
	VMULPS  (R11), Y0, Y0
	VMOVUPS (SI), Y1
	VSUBPS  (R10), Y1, Y1
	VSUBPS  Y0, Y1, Y1
	VMULPS  (R9), Y1, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, R10
	ADDQ    $32, R11
	SUBQ    $8, CX
	JNZ     bngloop2
	VZEROUPPER
	RET

// func statsLanesAVX2(x *float32, k, s, ss *float64, n int)
// With d = float64(x) − k: s += d, ss += d·d, elementwise, 4 at a time.
TEXT ·statsLanesAVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ k+8(FP), R8
	MOVQ s+16(FP), R9
	MOVQ ss+24(FP), R10
	MOVQ n+32(FP), CX
stlloop:
	VCVTPS2PD (SI), Y0
	VSUBPD    (R8), Y0, Y0
	VADDPD    (R9), Y0, Y1
	VMOVUPD   Y1, (R9)
	VMULPD    Y0, Y0, Y0
	VADDPD    (R10), Y0, Y0
	VMOVUPD   Y0, (R10)
	ADDQ      $16, SI
	ADDQ      $32, R8
	ADDQ      $32, R9
	ADDQ      $32, R10
	SUBQ      $4, CX
	JNZ       stlloop
	VZEROUPPER
	RET

// func gradSumsLanesAVX2(dy, x *float32, k *bnSumConsts, s, sx *float64, n int)
// s += dy and sx += dy·(x − m)·is (in float32), elementwise, 4 at a time;
// k holds the pointers m and is.
TEXT ·gradSumsLanesAVX2(SB), NOSPLIT, $0-48
	MOVQ dy+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ k+16(FP), AX
	MOVQ s+24(FP), R9
	MOVQ sx+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R11
gslloop:
	VMOVUPS   (SI), X0
	VMOVUPS   (DI), X1
	VSUBPS    (R8), X1, X1
	VMULPS    X1, X0, X1
	VMULPS    (R11), X1, X1
	VCVTPS2PD X0, Y2
	VADDPD    (R9), Y2, Y2
	VMOVUPD   Y2, (R9)
	VCVTPS2PD X1, Y3
	VADDPD    (R10), Y3, Y3
	VMOVUPD   Y3, (R10)
	ADDQ      $16, SI
	ADDQ      $16, DI
	ADDQ      $16, R8
	ADDQ      $16, R11
	ADDQ      $32, R9
	ADDQ      $32, R10
	SUBQ      $4, CX
	JNZ       gslloop
	VZEROUPPER
	RET

// TILESTEP is one step of tile6x16's reduction: the next offset locates
// row 0's value, the six rows' values are broadcast and multiplied into the
// twelve accumulators by the 16 values of b's next row.
#define TILESTEP \
	MOVLQSX      (SI), AX \
	LEAQ         (DX)(AX*4), AX \
	VMOVUPS      (DI), Y12 \
	VMOVUPS      32(DI), Y13 \
	VBROADCASTSS (AX), Y14 \
	VFMADD231PS  Y12, Y14, Y0 \
	VFMADD231PS  Y13, Y14, Y1 \
	VBROADCASTSS (AX)(R9*1), Y15 \
	VFMADD231PS  Y12, Y15, Y2 \
	VFMADD231PS  Y13, Y15, Y3 \
	VBROADCASTSS (AX)(R10*1), Y14 \
	VFMADD231PS  Y12, Y14, Y4 \
	VFMADD231PS  Y13, Y14, Y5 \
	VBROADCASTSS (AX)(R11*1), Y15 \
	VFMADD231PS  Y12, Y15, Y6 \
	VFMADD231PS  Y13, Y15, Y7 \
	VBROADCASTSS (AX)(R12*1), Y14 \
	VFMADD231PS  Y12, Y14, Y8 \
	VFMADD231PS  Y13, Y14, Y9 \
	VBROADCASTSS (AX)(R13*1), Y15 \
	VFMADD231PS  Y12, Y15, Y10 \
	VFMADD231PS  Y13, Y15, Y11 \
	ADDQ         $4, SI \
	ADDQ         BX, DI

// func tile6x16(k int, a *float32, aoff *int32, aidx *[6]int, b *float32, bstride int, c *float32)
// c[i*16+q] = Σ_p a[aoff[p]+aidx[i]] · b[p*bstride+q], i < 6, q < 16 (conv_direct.go).
TEXT ·tile6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), DX
	MOVQ aoff+16(FP), SI
	MOVQ aidx+24(FP), AX
	MOVQ b+32(FP), DI
	MOVQ bstride+40(FP), BX
	SHLQ $2, BX
	// Row offsets in bytes relative to row 0, whose own offset moves into DX.
	MOVQ 0(AX), R8
	LEAQ (DX)(R8*4), DX
	MOVQ 8(AX), R9
	SUBQ R8, R9
	SHLQ $2, R9
	MOVQ 16(AX), R10
	SUBQ R8, R10
	SHLQ $2, R10
	MOVQ 24(AX), R11
	SUBQ R8, R11
	SHLQ $2, R11
	MOVQ 32(AX), R12
	SUBQ R8, R12
	SHLQ $2, R12
	MOVQ 40(AX), R13
	SUBQ R8, R13
	SHLQ $2, R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	// Two steps a turn while k allows, then one.
	CMPQ CX, $2
	JLT  tilelast
tileloop:
	TILESTEP
	TILESTEP
	SUBQ         $2, CX
	CMPQ         CX, $2
	JGE          tileloop
	TESTQ        CX, CX
	JZ           tiledone
tilelast:
	TILESTEP
tiledone:
	MOVQ c+48(FP), DX
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	VMOVUPS Y2, 64(DX)
	VMOVUPS Y3, 96(DX)
	VMOVUPS Y4, 128(DX)
	VMOVUPS Y5, 160(DX)
	VMOVUPS Y6, 192(DX)
	VMOVUPS Y7, 224(DX)
	VMOVUPS Y8, 256(DX)
	VMOVUPS Y9, 288(DX)
	VMOVUPS Y10, 320(DX)
	VMOVUPS Y11, 352(DX)
	VZEROUPPER
	RET

// func copyRowsAVX2(dst, src *float32, rows, w, dstStride, srcStride int)
// Copies rows of w ≥ 8 floats; the last 8 of a row are copied again from
// their own start, so no row is read or written past its end.
TEXT ·copyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ w+24(FP), DX
	MOVQ dstStride+32(FP), R8
	MOVQ srcStride+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	LEAQ -32(DX*4), R10 // byte offset of a row's last 8 floats
crow:
	XORQ AX, AX
cchunk:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, R10
	JLT     cchunk
	VMOVUPS (SI)(R10*1), Y0
	VMOVUPS Y0, (DI)(R10*1)
	ADDQ    R8, DI
	ADDQ    R9, SI
	DECQ    CX
	JNZ     crow
	VZEROUPPER
	RET

// func copyShortRowsAVX2(dst, src *float32, rows, w, dstStride, srcStride int)
// copyRowsAVX2 for 4 ≤ w < 8: the first and the last 4 floats of each row.
TEXT ·copyShortRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ w+24(FP), DX
	MOVQ dstStride+32(FP), R8
	MOVQ srcStride+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	LEAQ -16(DX*4), R10
srow:
	VMOVUPS (SI), X0
	VMOVUPS (SI)(R10*1), X1
	VMOVUPS X0, (DI)
	VMOVUPS X1, (DI)(R10*1)
	ADDQ    R8, DI
	ADDQ    R9, SI
	DECQ    CX
	JNZ     srow
	RET
