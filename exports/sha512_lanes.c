/* SHA-512 (FIPS 180-4) of eight messages at once, one per 64-bit lane of the AVX-512 registers.
 *
 * Python's hashlib computes one SHA-512 at a time (OpenSSL, ~380 MB/s a core here); SHA-512's rounds
 * are a chain, so one message cannot go faster, but eight independent messages fill the eight lanes
 * of a 512-bit register with the same instructions. The copy of a package hashes thousands of files,
 * so exports/sha512_lanes.py keeps the eight lanes fed with different files. Intel's ipsec-mb does
 * the same but only for whole messages of at most 64 KB, with no incremental API.
 *
 * Only the compression function is here: the caller pads each message (0x80, zeros, 128-bit bit
 * length) and reads the digest from the lane's state. Built by the Makefile with the system's cc;
 * without it, or on a CPU without AVX-512 F+BW, the copy uses hashlib instead (exports/copier.py).
 */
#include <stddef.h>
#include <stdint.h>
#include <immintrin.h>

#define LANES 8

static const uint64_t K[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

#define TARGET __attribute__((target("avx512f,avx512bw")))
#define ROR(x, n) _mm512_ror_epi64((x), (n))
#define XOR3(x, y, z) _mm512_ternarylogic_epi64((x), (y), (z), 0x96)
#define CH(e, f, g) _mm512_ternarylogic_epi64((e), (f), (g), 0xCA)
#define MAJ(a, b, c) _mm512_ternarylogic_epi64((a), (b), (c), 0xE8)
#define ADD(x, y) _mm512_add_epi64((x), (y))
#define BIG_SIGMA0(x) XOR3(ROR(x, 28), ROR(x, 34), ROR(x, 39))
#define BIG_SIGMA1(x) XOR3(ROR(x, 14), ROR(x, 18), ROR(x, 41))
#define SMALL_SIGMA0(x) XOR3(ROR(x, 1), ROR(x, 8), _mm512_srli_epi64((x), 7))
#define SMALL_SIGMA1(x) XOR3(ROR(x, 19), ROR(x, 61), _mm512_srli_epi64((x), 6))

/* One round; the eight working variables are renamed by the caller instead of moved. */
#define ROUND(a, b, c, d, e, f, g, h, t, w)                                                        \
    do {                                                                                           \
        __m512i t1 = ADD(ADD(ADD(h, BIG_SIGMA1(e)), ADD(CH(e, f, g), _mm512_set1_epi64(K[t]))), w);\
        d = ADD(d, t1);                                                                            \
        h = ADD(t1, ADD(BIG_SIGMA0(a), MAJ(a, b, c)));                                             \
    } while (0)

/* Eight rounds from t, each variable back in its own name at the end. */
#define EIGHT(t, W)                                                                                \
    do {                                                                                           \
        ROUND(a, b, c, d, e, f, g, h, (t) + 0, W[((t) + 0) & 15]);                                 \
        ROUND(h, a, b, c, d, e, f, g, (t) + 1, W[((t) + 1) & 15]);                                 \
        ROUND(g, h, a, b, c, d, e, f, (t) + 2, W[((t) + 2) & 15]);                                 \
        ROUND(f, g, h, a, b, c, d, e, (t) + 3, W[((t) + 3) & 15]);                                 \
        ROUND(e, f, g, h, a, b, c, d, (t) + 4, W[((t) + 4) & 15]);                                 \
        ROUND(d, e, f, g, h, a, b, c, (t) + 5, W[((t) + 5) & 15]);                                 \
        ROUND(c, d, e, f, g, h, a, b, (t) + 6, W[((t) + 6) & 15]);                                 \
        ROUND(b, c, d, e, f, g, h, a, (t) + 7, W[((t) + 7) & 15]);                                 \
    } while (0)

/* The next sixteen words of the message schedule, in place. */
TARGET static inline void schedule(__m512i W[16]) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) {
        W[i] = ADD(ADD(SMALL_SIGMA1(W[(i + 14) & 15]), W[(i + 9) & 15]),
                   ADD(SMALL_SIGMA0(W[(i + 1) & 15]), W[i]));
    }
}

/* Compress `blocks` 128-byte blocks of each lane: lane i reads data[i], data[i] + 128, …
 * states holds each lane's eight words in a row (lane-major), as the digest is read. */
TARGET void sha512_lanes_compress(uint64_t *states, const uint8_t *const *data, size_t blocks) {
    const __m512i by_lane = _mm512_set_epi64(56, 48, 40, 32, 24, 16, 8, 0);
    const __m512i swap = _mm512_broadcast_i32x4(_mm_set_epi8(8, 9, 10, 11, 12, 13, 14, 15,
                                                             0, 1, 2, 3, 4, 5, 6, 7));
    __m512i v[8];
    for (int i = 0; i < 8; i++) {
        v[i] = _mm512_i64gather_epi64(ADD(by_lane, _mm512_set1_epi64(i)), (const void *)states, 8);
    }
    /* Gather offsets from lane 0's pointer: one base address for all eight loads. */
    const uint8_t *base = data[0];
    int64_t offsets[LANES];
    for (int lane = 0; lane < LANES; lane++) {
        offsets[lane] = (int64_t)((uintptr_t)data[lane] - (uintptr_t)base);
    }
    __m512i position = _mm512_loadu_si512((const void *)offsets);
    for (size_t block = 0; block < blocks; block++) {
        __m512i W[16];
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++) {
            __m512i word = _mm512_i64gather_epi64(ADD(position, _mm512_set1_epi64(8 * i)), (const void *)base, 1);
            W[i] = _mm512_shuffle_epi8(word, swap);
        }
        __m512i a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
        for (int t = 0; t < 80; t += 16) {
            if (t) {
                schedule(W);
            }
            EIGHT(t, W);
            EIGHT(t + 8, W);
        }
        v[0] = ADD(v[0], a); v[1] = ADD(v[1], b); v[2] = ADD(v[2], c); v[3] = ADD(v[3], d);
        v[4] = ADD(v[4], e); v[5] = ADD(v[5], f); v[6] = ADD(v[6], g); v[7] = ADD(v[7], h);
        position = ADD(position, _mm512_set1_epi64(128));
    }
    for (int i = 0; i < 8; i++) {
        _mm512_i64scatter_epi64((void *)states, ADD(by_lane, _mm512_set1_epi64(i)), v[i], 8);
    }
}
