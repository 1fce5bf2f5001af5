/* Arithmetic in the BLS12-381 scalar field Fr (spec/filecoin.md §0): four 64-bit limbs, least significant
 * first, values kept fully reduced in [0, p). Multiplication is Montgomery (R = 2^256) with the
 * "no-carry" CIOS loop, valid because p's top limb is below 2^63 − 1. Bytes on disk are little-endian,
 * which on a little-endian host are the limbs themselves. */
#ifndef DAMOCLES_FR_H
#define DAMOCLES_FR_H

#include <stdint.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "native/fr.h reads field elements as little-endian limbs: a little-endian target is required"
#endif

typedef unsigned __int128 u128;
typedef struct { uint64_t l[4]; } fr_t;

/* p */
static const fr_t FR_P = {
    {0xffffffff00000001ULL, 0x53bda402fffe5bfeULL, 0x3339d80809a1d805ULL, 0x73eda753299d7d48ULL}};
/* −p⁻¹ mod 2^64 */
static const uint64_t FR_INV = 0xfffffffeffffffffULL;
/* R² mod p = 2^512 mod p, to enter Montgomery form */
static const fr_t FR_R2 = {
    {0xc999e990f3f29c6dULL, 0x2b6cedcb87925c23ULL, 0x05d314967254398fULL, 0x0748d9d99f59ff11ULL}};

static inline void fr_load(fr_t *r, const uint8_t *b) { memcpy(r->l, b, 32); }
static inline void fr_store(uint8_t *b, const fr_t *a) { memcpy(b, a->l, 32); }

/* a < p */
static inline int fr_is_canonical(const fr_t *a) {
  for (int i = 3; i >= 0; i--)
    if (a->l[i] != FR_P.l[i]) return a->l[i] < FR_P.l[i];
  return 0;
}

/* r = t − p if t ≥ p else t, for t < 2p (t given as 4 limbs; no carry-out possible as 2p < 2^256) */
static inline void fr_reduce_once(fr_t *r, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3) {
  u128 d;
  uint64_t s0, s1, s2, s3, borrow;
  d = (u128)t0 - FR_P.l[0];                  s0 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)t1 - FR_P.l[1] - borrow;         s1 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)t2 - FR_P.l[2] - borrow;         s2 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)t3 - FR_P.l[3] - borrow;         s3 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  uint64_t keep = (uint64_t)0 - borrow; /* all ones if t < p */
  r->l[0] = (t0 & keep) | (s0 & ~keep);
  r->l[1] = (t1 & keep) | (s1 & ~keep);
  r->l[2] = (t2 & keep) | (s2 & ~keep);
  r->l[3] = (t3 & keep) | (s3 & ~keep);
}

static inline void fr_add(fr_t *r, const fr_t *a, const fr_t *b) {
  u128 s;
  uint64_t t0, t1, t2, t3;
  s = (u128)a->l[0] + b->l[0];            t0 = (uint64_t)s;
  s = (u128)a->l[1] + b->l[1] + (s >> 64); t1 = (uint64_t)s;
  s = (u128)a->l[2] + b->l[2] + (s >> 64); t2 = (uint64_t)s;
  s = (u128)a->l[3] + b->l[3] + (s >> 64); t3 = (uint64_t)s;
  fr_reduce_once(r, t0, t1, t2, t3);
}

static inline void fr_sub(fr_t *r, const fr_t *a, const fr_t *b) {
  u128 d;
  uint64_t t[4], borrow;
  d = (u128)a->l[0] - b->l[0];          t[0] = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)a->l[1] - b->l[1] - borrow; t[1] = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)a->l[2] - b->l[2] - borrow; t[2] = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)a->l[3] - b->l[3] - borrow; t[3] = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  uint64_t mask = (uint64_t)0 - borrow; /* add p back if a < b */
  u128 s;
  s = (u128)t[0] + (FR_P.l[0] & mask);              r->l[0] = (uint64_t)s;
  s = (u128)t[1] + (FR_P.l[1] & mask) + (s >> 64); r->l[1] = (uint64_t)s;
  s = (u128)t[2] + (FR_P.l[2] & mask) + (s >> 64); r->l[2] = (uint64_t)s;
  s = (u128)t[3] + (FR_P.l[3] & mask) + (s >> 64); r->l[3] = (uint64_t)s;
}

/* r = a·b·R⁻¹ mod p (Montgomery product, the "no-carry" CIOS loop: p's top limb is below 2^63 − 1);
 * r may alias a or b. */
static inline void fr_mul(fr_t *r, const fr_t *a, const fr_t *b) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (int i = 0; i < 4; i++) {
    const uint64_t bi = b->l[i];
    u128 A, C;
    uint64_t m;
    A = (u128)a->l[0] * bi + t0;
    t0 = (uint64_t)A;
    m = t0 * FR_INV;
    C = (u128)m * FR_P.l[0] + t0; /* low word is 0 by the choice of m */
    A = (u128)a->l[1] * bi + t1 + (uint64_t)(A >> 64);
    C = (u128)m * FR_P.l[1] + (uint64_t)A + (uint64_t)(C >> 64);
    t0 = (uint64_t)C;
    A = (u128)a->l[2] * bi + t2 + (uint64_t)(A >> 64);
    C = (u128)m * FR_P.l[2] + (uint64_t)A + (uint64_t)(C >> 64);
    t1 = (uint64_t)C;
    A = (u128)a->l[3] * bi + t3 + (uint64_t)(A >> 64);
    C = (u128)m * FR_P.l[3] + (uint64_t)A + (uint64_t)(C >> 64);
    t2 = (uint64_t)C;
    t3 = (uint64_t)(C >> 64) + (uint64_t)(A >> 64);
  }
  fr_reduce_once(r, t0, t1, t2, t3);
}

/* ---- dot products with one reduction -------------------------------------------------------------
 * r = Σ a_j·b_j (Montgomery) over n ≤ FR_DOT_MAX = 17 pairs of reduced elements. The plain products are
 * summed column by column (product scanning: a column holds at most 4·17 products of 128 bits, so a
 * 192-bit accumulator suffices) into a 9-limb T < 17p² < 2^514, and T is reduced once instead of once
 * per product: this makes the MDS multiplications about 2.5 times faster. */

#define FR_DOT_MAX 17

/* r = T·R⁻¹ mod p in [0, p) for T < 17p² in 9 limbs (t is clobbered). Montgomery reduction gives
 * v = (T + m·p)/R < 17p·(p/R) + p < 8.7p < 8·2^255. With q = ⌊v / 2^255⌋ (at most 7), q·p ≤ v and
 * v − q·p < 2^255 + q·(2^255 − p) < 2p, so one conditional subtraction finishes. */
static inline void fr_redc_wide(fr_t *r, uint64_t t[9]) {
  uint64_t top = 0;
  for (int i = 0; i < 4; i++) {
    const uint64_t m = t[i] * FR_INV;
    u128 x = (u128)m * FR_P.l[0] + t[i]; /* low word is 0 by the choice of m */
    x = (u128)m * FR_P.l[1] + t[i + 1] + (uint64_t)(x >> 64);
    t[i + 1] = (uint64_t)x;
    x = (u128)m * FR_P.l[2] + t[i + 2] + (uint64_t)(x >> 64);
    t[i + 2] = (uint64_t)x;
    x = (u128)m * FR_P.l[3] + t[i + 3] + (uint64_t)(x >> 64);
    t[i + 3] = (uint64_t)x;
    x = (u128)t[i + 4] + (uint64_t)(x >> 64) + top; /* the carry out of limb i + 4 belongs to limb i + 5 */
    t[i + 4] = (uint64_t)x;
    top = (uint64_t)(x >> 64);
  }
  const uint64_t q = ((t[8] + top) << 1) | (t[7] >> 63);
  const u128 m0 = (u128)q * FR_P.l[0];
  const u128 m1 = (u128)q * FR_P.l[1] + (uint64_t)(m0 >> 64);
  const u128 m2 = (u128)q * FR_P.l[2] + (uint64_t)(m1 >> 64);
  const u128 m3 = (u128)q * FR_P.l[3] + (uint64_t)(m2 >> 64);
  u128 d;
  uint64_t v0, v1, v2, v3, borrow;
  d = (u128)t[4] - (uint64_t)m0;          v0 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)t[5] - (uint64_t)m1 - borrow; v1 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)t[6] - (uint64_t)m2 - borrow; v2 = (uint64_t)d; borrow = (uint64_t)(d >> 64) & 1;
  d = (u128)t[7] - (uint64_t)m3 - borrow; v3 = (uint64_t)d; /* the fifth limb cancels: v − q·p < 2^256 */
  fr_reduce_once(r, v0, v1, v2, v3);
}

/* acc (192 bits: acc + hi·2^128) += x·y */
#define FR_MAC(x, y)               \
  do {                             \
    const u128 p_ = (u128)(x)*(y); \
    acc += p_;                     \
    hi += acc < p_;                \
  } while (0)
/* limb k of T is the accumulator's low word; shift the accumulator down one word */
#define FR_COLUMN_DONE(k)                 \
  do {                                    \
    t[k] = (uint64_t)acc;                 \
    acc = (acc >> 64) | ((u128)hi << 64); \
    hi = 0;                               \
  } while (0)

/* r = sum a[j]*b[j], reduced once for the whole sum (Poseidon's MDS multiply, the hot loop). Written out
 * column by column on purpose (product scanning): each column's partial products over all n inputs are
 * accumulated before one carry step, so the seven columns look alike but are not a loop to fold. */
static inline void fr_dot(fr_t *r, const fr_t *a, const fr_t *b, uint32_t n) {
  uint64_t t[9], hi = 0;
  u128 acc = 0;
  for (uint32_t j = 0; j < n; j++) FR_MAC(a[j].l[0], b[j].l[0]);
  FR_COLUMN_DONE(0);
  for (uint32_t j = 0; j < n; j++) {
    FR_MAC(a[j].l[0], b[j].l[1]);
    FR_MAC(a[j].l[1], b[j].l[0]);
  }
  FR_COLUMN_DONE(1);
  for (uint32_t j = 0; j < n; j++) {
    FR_MAC(a[j].l[0], b[j].l[2]);
    FR_MAC(a[j].l[1], b[j].l[1]);
    FR_MAC(a[j].l[2], b[j].l[0]);
  }
  FR_COLUMN_DONE(2);
  for (uint32_t j = 0; j < n; j++) {
    FR_MAC(a[j].l[0], b[j].l[3]);
    FR_MAC(a[j].l[1], b[j].l[2]);
    FR_MAC(a[j].l[2], b[j].l[1]);
    FR_MAC(a[j].l[3], b[j].l[0]);
  }
  FR_COLUMN_DONE(3);
  for (uint32_t j = 0; j < n; j++) {
    FR_MAC(a[j].l[1], b[j].l[3]);
    FR_MAC(a[j].l[2], b[j].l[2]);
    FR_MAC(a[j].l[3], b[j].l[1]);
  }
  FR_COLUMN_DONE(4);
  for (uint32_t j = 0; j < n; j++) {
    FR_MAC(a[j].l[2], b[j].l[3]);
    FR_MAC(a[j].l[3], b[j].l[2]);
  }
  FR_COLUMN_DONE(5);
  for (uint32_t j = 0; j < n; j++) FR_MAC(a[j].l[3], b[j].l[3]);
  FR_COLUMN_DONE(6);
  t[7] = (uint64_t)acc;
  t[8] = (uint64_t)(acc >> 64);
  fr_redc_wide(r, t);
}

#undef FR_MAC
#undef FR_COLUMN_DONE

static inline void fr_to_mont(fr_t *r, const fr_t *a) { fr_mul(r, a, &FR_R2); }

static inline void fr_from_mont(fr_t *r, const fr_t *a) {
  static const fr_t one = {{1, 0, 0, 0}};
  fr_mul(r, a, &one);
}

#endif
