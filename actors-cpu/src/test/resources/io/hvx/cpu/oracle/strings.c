/*
 * glibc string and memory functions over many sizes and alignments, plus the SSE4.2/SSSE3/SSE4.1/BMI
 * intrinsics directly: prints one hash per function, so a run under hvx (where glibc's ifuncs pick the
 * SSE2/SSSE3/SSE4.2 variants) must print exactly what the native run (AVX2/EVEX variants) prints.
 * Comparison results are reduced to their sign: their magnitude differs between glibc's variants.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <nmmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#define AREA 8192
static unsigned char a[AREA + 128] __attribute__((aligned(64)));
static unsigned char b[AREA + 128] __attribute__((aligned(64)));
static uint64_t state = 0x9E3779B97F4A7C15ull;

static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static uint64_t h;

static void mix(uint64_t v) {
    h = (h ^ v) * 0x100000001B3ull;
}

static void mixbuf(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        mix(p[i]);
    }
}

static int sign(int v) {
    return v < 0 ? -1 : v > 0;
}

static void report(const char *name) {
    printf("%-12s %016llx\n", name, (unsigned long long) h);
    h = 0xcbf29ce484222325ull;
}

/* A NUL-terminated string of n characters from a small alphabet (so searches hit), at p. */
static void text(unsigned char *p, size_t n, int alphabet) {
    for (size_t i = 0; i < n; i++) {
        p[i] = (unsigned char) ('a' + next() % alphabet);
    }
    p[n] = 0;
}

static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256,
                               257, 511, 1000, 2047, 4096, 5000};
#define NSIZES (sizeof sizes / sizeof sizes[0])

int main(void) {
    h = 0xcbf29ce484222325ull;
    for (size_t s = 0; s < NSIZES; s++) {
        for (int al = 0; al < 64; al += 3) {
            size_t n = sizes[s];
            text(a + al, n, 26);
            mix(strlen((char *) a + al));
            mix(strnlen((char *) a + al, n / 2 + 1));
        }
    }
    report("strlen");
    for (size_t s = 0; s < NSIZES; s++) {
        for (int al = 0; al < 64; al += 5) {
            size_t n = sizes[s];
            int bl = (al * 7) % 64;
            text(a + al, n, 26);
            memset(b, 0x55, n + 128);
            memcpy(b + bl, a + al, n);
            mixbuf(b, n + 128);
            memmove(a + al + 3, a + al, n);
            mixbuf(a + al, n + 3);
            memmove(a + al, a + al + 5, n);
            mixbuf(a + al, n + 5);
            memset(b + bl, al, n);
            mixbuf(b, n + 128);
        }
    }
    report("memcpy");
    for (size_t s = 0; s < NSIZES; s++) {
        for (int al = 0; al < 64; al += 7) {
            size_t n = sizes[s];
            text(a + al, n, 8);
            const char *str = (const char *) a + al;
            for (int c = 'a'; c <= 'j'; c++) {
                const char *p = strchr(str, c);
                mix(p ? (uint64_t) (p - str) : 99999);
                p = strrchr(str, c);
                mix(p ? (uint64_t) (p - str) : 99999);
                mix(strchrnul(str, c) - str);
                const void *m = memchr(str, c, n);
                mix(m ? (uint64_t) ((const char *) m - str) : 99999);
                m = memrchr(str, c, n);
                mix(m ? (uint64_t) ((const char *) m - str) : 99999);
            }
            mix((const char *) rawmemchr(str, 0) - str);
        }
    }
    report("strchr");
    for (size_t s = 0; s < NSIZES; s++) {
        for (int al = 0; al < 64; al += 9) {
            size_t n = sizes[s];
            int bl = (al * 5 + 1) % 64;
            text(a + al, n, 4);
            memcpy(b + bl, a + al, n + 1);
            if (n > 0 && next() % 2) {
                b[bl + next() % n] ^= (unsigned char) (1 + next() % 3);
            }
            const char *x = (const char *) a + al;
            const char *y = (const char *) b + bl;
            mix(sign(memcmp(x, y, n)) + 2);
            mix(sign(strcmp(x, y)) + 2);
            mix(sign(strncmp(x, y, n / 2)) + 2);
            mix(sign(strcasecmp(x, y)) + 2);
            mix(sign(strncasecmp(x, y, n / 3 + 1)) + 2);
            mix(bcmp(x, y, n) != 0);
        }
    }
    report("memcmp");
    for (size_t s = 0; s < NSIZES; s++) {
        for (int al = 0; al < 64; al += 11) {
            size_t n = sizes[s];
            text(a + al, n, 6);
            const char *str = (const char *) a + al;
            mix(strspn(str, "abc"));
            mix(strspn(str, "abcde"));
            mix(strcspn(str, "f"));
            mix(strcspn(str, "ef"));
            const char *p = strpbrk(str, "fe");
            mix(p ? (uint64_t) (p - str) : 99999);
            p = strstr(str, "abc");
            mix(p ? (uint64_t) (p - str) : 99999);
            p = strstr(str, "fedcb");
            mix(p ? (uint64_t) (p - str) : 99999);
            const void *m = memmem(str, n, "aab", 3);
            mix(m ? (uint64_t) ((const char *) m - str) : 99999);
        }
    }
    report("strspn");
    for (size_t s = 0; s < NSIZES; s++) {
        for (int al = 0; al < 64; al += 13) {
            size_t n = sizes[s] % 3000;
            int bl = (al * 3 + 2) % 64;
            text(a + al, n, 26);
            memset(b, 0x77, sizeof b);
            strcpy((char *) b + bl, (const char *) a + al);
            mixbuf(b, n + 128);
            mix(stpcpy((char *) b + bl, "xyz") - (char *) b);
            strcat((char *) b + bl, (const char *) a + al);
            mixbuf(b, n + 128);
            strncpy((char *) b + bl, (const char *) a + al, n / 2 + 7);
            mixbuf(b, n + 128);
        }
    }
    report("strcpy");
    static wchar_t w[1100];
    static wchar_t w2[1100];
    for (size_t s = 0; s < NSIZES; s++) {
        size_t n = sizes[s] % 1000;
        for (size_t i = 0; i < n; i++) {
            w[i] = L'a' + (wchar_t) (next() % 5);
        }
        w[n] = 0;
        mix(wcslen(w));
        wchar_t *p = wcschr(w, L'd');
        mix(p ? (uint64_t) (p - w) : 99999);
        wcscpy(w2, w);
        mix(sign(wcscmp(w, w2)) + 2);
        mix(wmemcmp(w, w2, n) != 0);
    }
    report("wcs");

    /* the extensions used directly */
    for (int k = 0; k < 2000; k++) {
        uint64_t x = next();
        uint64_t y = next();
        uint64_t z = next();
        __m128i p = _mm_set_epi64x((long long) x, (long long) y);
        __m128i q = _mm_set_epi64x((long long) z, (long long) (x ^ z));
        __m128i t = _mm_set_epi64x((long long) (y & 0x00FF00FF00FF00FFull), (long long) (z | 0x0101010101010101ull));
        mix((uint64_t) _mm_cmpistri(p, q, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY));
        mix((uint64_t) _mm_cmpistri(t, q, _SIDD_SBYTE_OPS | _SIDD_CMP_RANGES | _SIDD_MOST_SIGNIFICANT));
        mix((uint64_t) _mm_cmpestri(p, (int) (x % 20), q, (int) (y % 20), _SIDD_UWORD_OPS | _SIDD_CMP_EQUAL_ORDERED));
        __m128i m = _mm_cmpistrm(t, q, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_EACH | _SIDD_UNIT_MASK);
        mix((uint64_t) _mm_cvtsi128_si64(m));
        mix((uint64_t) _mm_cmpistrc(p, t, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY | _SIDD_NEGATIVE_POLARITY));
        mix(_mm_crc32_u64(x, y));
        mix(_mm_crc32_u8((uint32_t) x, (unsigned char) z));
        mix(_pdep_u64(x, y));
        mix(_pext_u64(x, z));
        mix(_bzhi_u64(x, (unsigned) (y % 70)));
        mix(_bextr_u64(x, (unsigned) (z % 64), (unsigned) (y % 64)));
        mix(_blsr_u64(x) ^ _blsi_u64(y) ^ _blsmsk_u64(z));
#ifdef __LZCNT__
        mix(_tzcnt_u64(x & y) + _lzcnt_u64(x & z) * 100);
#else
        mix(_tzcnt_u64(x & y));
#endif
        unsigned long long hi;
        mix(_mulx_u64(x, y, &hi) ^ hi);
        __m128i sh = _mm_shuffle_epi8(p, q);
        mix((uint64_t) _mm_cvtsi128_si64(sh) ^ (uint64_t) _mm_extract_epi64(sh, 1));
        __m128i mn = _mm_minpos_epu16(q);
        mix((uint64_t) _mm_cvtsi128_si64(mn));
        __m128i mx = _mm_max_epi32(_mm_mullo_epi32(p, q), _mm_hadd_epi16(p, t));
        mix((uint64_t) _mm_extract_epi32(mx, 3) ^ (uint64_t) _mm_extract_epi8(mx, 5));
        mix((uint64_t) _mm_testz_si128(p, t) + 2 * (uint64_t) _mm_testc_si128(q, t));
        __m128d d = _mm_set_pd((double) (int64_t) x / 1e9, (double) (int64_t) y / 3e8);
        __m128d r = _mm_round_pd(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        double rr[2];
        _mm_storeu_pd(rr, _mm_add_pd(r, _mm_floor_pd(d)));
        mix((uint64_t) (int64_t) rr[0] ^ (uint64_t) (int64_t) rr[1]);
        __m128 f = _mm_set_ps((float) (x % 1000), (float) (y % 777) / 7.0f, (float) (z % 99), 1.5f);
        float ff[4];
        _mm_storeu_ps(ff, _mm_dp_ps(f, _mm_hadd_ps(f, f), 0xF1));
        mix((uint64_t) (int64_t) (ff[0] * 1000.0f));
        __m128i sad = _mm_mpsadbw_epu8(p, q, 5);
        mix((uint64_t) _mm_cvtsi128_si64(sad));
        __m128i cv = _mm_cvtepi8_epi32(p);
        mix((uint64_t) _mm_extract_epi32(cv, 2) ^ (uint64_t) _mm_cvtsi128_si64(_mm_cmpgt_epi64(p, q)));
        mix((uint64_t) _mm_cvtsi128_si64(_mm_alignr_epi8(p, q, 5)) ^ (uint64_t) _mm_cvtsi128_si64(_mm_sign_epi16(p, q)));
    }
    report("intrinsics");
    return 0;
}
