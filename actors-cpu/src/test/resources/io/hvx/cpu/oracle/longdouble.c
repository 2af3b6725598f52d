/* Exercises glibc's long double paths (x87): arithmetic under each rounding mode, conversions,
   printf/strtold, sqrtl, fmodl/remainderl (FPREM/FPREM1), rintl/floorl/ceill (FRNDINT), ldexpl (FSCALE). */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile long double sink;

int main(void) {
    const char *inputs[] = {"1", "0.1", "3.14159265358979323846264338327950288", "-2.5e-4931", "1.18973149535723176502e4932",
                            "6.02214076e23", "-0.0", "1e-4950", "123456789012345678901234567890", "0x1.fffffffffffffffep-1"};
    int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        printf("mode %d\n", m);
        for (int i = 0; i < 10; i++) {
            long double a = strtold(inputs[i], NULL);
            long double b = strtold(inputs[(i + 3) % 10], NULL);
            sink = a;
            printf("%d a=%.21Lg %La\n", i, a, a);
            printf("  + %.21Lg\n  - %.21Lg\n  * %.21Lg\n  / %.21Lg\n", a + b, a - b, a * b, a / b);
            printf("  sqrt %.21Lg rint %.3Lf floor %.3Lf ceil %.3Lf\n", sqrtl(fabsl(a)), rintl(a * 7.5L),
                   floorl(a * 3.25L), ceill(a * 3.25L));
            if (b != 0 && isfinite(a) && isfinite(b)) {
                printf("  fmod %.21Lg remainder %.21Lg\n", fmodl(a, b), remainderl(a, b));
            }
            printf("  ldexp %.21Lg (double)%.17g (float)%.9g (llong)%lld\n", ldexpl(a, 37), (double) a, (float) a,
                   (fabsl(a) < 9e18L) ? (long long) a : 0LL);
            printf("  cmp %d %d %d\n", a < b, a == b, isunordered(a, b));
        }
    }
    fesetround(FE_TONEAREST);
    long double acc = 0;
    for (int k = 1; k <= 1000; k++) {
        acc += 1.0L / k;
    }
    printf("harmonic %.25Lg\n", acc);
    printf("%Le %Lf %Lg\n", (long double) 1 / 3, (long double) 2 / 3, 1e300L * 1e300L);
    return 0;
}
