/*
 * sgemm_bench: times OpenBLAS cblas_sgemm on the shapes of
 * `rltrain bench kernels` and prints the same TSV lines
 * (layout m n k threads gflops gbs), so scripts/bench-compare.sh can put the
 * two side by side. Timing matches tensor.TimeProduct: one warm-up call,
 * then `batches` batches of at least min_ms each, best batch kept; the
 * clock is the wall clock, or the thread's CPU time with SGEMM_CLOCK=thread
 * and THREADS 1.
 *
 * usage: sgemm_bench THREADS MIN_MS BATCHES LAYOUTS SHAPES
 *        e.g. sgemm_bench 2 200 3 NN,NT 64x256x256,1024x1024x1024
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void openblas_set_num_threads(int);

/* The clock: wall (CLOCK_MONOTONIC), or with SGEMM_CLOCK=thread and one
 * thread the calling thread's CPU time, like tensor.TimeProduct with
 * RLTRAIN_BENCH_CLOCK=thread (time-slicing on a loaded machine does not
 * count). */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now(void) {
	struct timespec ts;
	clock_gettime(bench_clock, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void run(const char *layout, int m, int n, int k, float *a, float *b, float *c) {
	/* Row-major like rltrain: NN is A(M,K)·B(K,N), NT is A(M,K)·B(N,K)ᵀ,
	 * TN is A(K,M)ᵀ·B(K,N). */
	enum CBLAS_TRANSPOSE ta = CblasNoTrans, tb = CblasNoTrans;
	int lda = k, ldb = n;
	if (strcmp(layout, "NT") == 0) { tb = CblasTrans; ldb = k; }
	if (strcmp(layout, "TN") == 0) { ta = CblasTrans; lda = m; }
	cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: %s THREADS MIN_MS BATCHES LAYOUTS SHAPES\n", argv[0]);
		return 2;
	}
	int threads = atoi(argv[1]);
	double min_s = atof(argv[2]) / 1000.0;
	int batches = atoi(argv[3]);
	if (threads < 1 || min_s <= 0 || batches < 1) {
		fprintf(stderr, "sgemm_bench: bad THREADS/MIN_MS/BATCHES\n");
		return 2;
	}
	openblas_set_num_threads(threads);
	const char *clk = getenv("SGEMM_CLOCK");
	if (threads == 1 && clk && strcmp(clk, "thread") == 0) bench_clock = CLOCK_THREAD_CPUTIME_ID;
	char *layouts = strdup(argv[4]);
	char *shapes = strdup(argv[5]);
	printf("# openblas %s threads=%d clock=%s\n", openblas_get_config(), threads,
	       bench_clock == CLOCK_MONOTONIC ? "wall" : "thread-cpu");
	printf("layout\tm\tn\tk\tthreads\tgflops\tgbs\n");
	char *ssave = NULL;
	for (char *sh = strtok_r(shapes, ",", &ssave); sh; sh = strtok_r(NULL, ",", &ssave)) {
		int m, n, k;
		if (sscanf(sh, "%dx%dx%d", &m, &n, &k) != 3 || m < 1 || n < 1 || k < 1) {
			fprintf(stderr, "sgemm_bench: bad shape %s\n", sh);
			return 2;
		}
		float *a = malloc(sizeof(float) * (size_t)m * k);
		float *b = malloc(sizeof(float) * (size_t)k * n);
		float *c = malloc(sizeof(float) * (size_t)m * n);
		srand(1);
		for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
		for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)rand() / RAND_MAX - 0.5f;
		char *lcopy = strdup(layouts), *lsave = NULL;
		for (char *l = strtok_r(lcopy, ",", &lsave); l; l = strtok_r(NULL, ",", &lsave)) {
			run(l, m, n, k, a, b, c);
			double best = 0;
			for (int bt = 0; bt < batches; bt++) {
				int reps = 0;
				double t0 = now(), t;
				do {
					run(l, m, n, k, a, b, c);
					reps++;
					t = now() - t0;
				} while (t < min_s);
				double per = t / reps;
				if (best == 0 || per < best) best = per;
			}
			double flops = 2.0 * m * n * k;
			double bytes = 4.0 * ((double)m * k + (double)k * n + 2.0 * m * n);
			printf("%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\n", l, m, n, k, threads, flops / best / 1e9, bytes / best / 1e9);
			fflush(stdout);
		}
		free(lcopy);
		free(a);
		free(b);
		free(c);
	}
	return 0;
}
