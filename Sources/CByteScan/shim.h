// Sixteen bytes tested at once, for the text passes that look for a few rare bytes in long runs
// of ordinary ones (ByteMask in FeedwatchModel wraps these).
//
// Swift has no portable way to turn a vector comparison into a bit mask (SSE2's movemask), which
// is what makes such a scan cheap: a compare and a mask per 16 bytes. These inline functions are
// compiled into their Swift callers and inlined there. Without SSE2 (another architecture) they
// test the bytes one by one, with the same results. No system header but the intrinsics' is
// included, so that no C type is declared by this module.
#ifndef FEEDWATCH_CBYTESCAN_SHIM_H
#define FEEDWATCH_CBYTESCAN_SHIM_H

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Bit k is set when byte k of the 16 at `p` is below `bound` (unsigned; 0 flags none) or equal
// to `a`, `b` or `c` (repeat a value to test fewer).
static inline unsigned int fw_bytes16(const unsigned char *p, unsigned char bound, unsigned char a, unsigned char b,
                                      unsigned char c) {
#if defined(__SSE2__)
    __m128i x = _mm_loadu_si128((const __m128i *)p);
    __m128i zero = _mm_setzero_si128();
    // bound - x (saturated) is zero exactly when x >= bound.
    __m128i atLeast = _mm_cmpeq_epi8(_mm_subs_epu8(_mm_set1_epi8((char)bound), x), zero);
    __m128i equal = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)a)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)b)),
                                              _mm_cmpeq_epi8(x, _mm_set1_epi8((char)c))));
    return (unsigned int)_mm_movemask_epi8(_mm_or_si128(_mm_andnot_si128(atLeast, _mm_set1_epi8(-1)), equal));
#else
    unsigned int m = 0;
    for (int k = 0; k < 16; k++) {
        unsigned char v = p[k];
        if (v < bound || v == a || v == b || v == c) m |= 1u << k;
    }
    return m;
#endif
}

// Bit k is set when byte k of the 16 at `p` is in `lo`...`hi`.
static inline unsigned int fw_range16(const unsigned char *p, unsigned char lo, unsigned char hi) {
#if defined(__SSE2__)
    __m128i offset = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)p), _mm_set1_epi8((char)lo));
    // offset <= hi - lo, unsigned: the smaller of the two is the offset.
    return (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8((char)(hi - lo))), offset));
#else
    unsigned int m = 0;
    for (int k = 0; k < 16; k++) if (p[k] >= lo && p[k] <= hi) m |= 1u << k;
    return m;
#endif
}

// Bit k is set when byte k of the 16 at `p` is beyond ASCII (0x80 and up).
static inline unsigned int fw_high16(const unsigned char *p) {
#if defined(__SSE2__)
    return (unsigned int)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)p));
#else
    unsigned int m = 0;
    for (int k = 0; k < 16; k++) if (p[k] >= 0x80) m |= 1u << k;
    return m;
#endif
}

#endif
