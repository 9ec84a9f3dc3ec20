/*
 * gen.c — a plain C batch-1 inference loop, the "llama2.c-class" peer of
 * `rltrain bench generate -batches 1`. Written for rltrain (not copied from
 * llama2.c): the same fp32 Llama architecture as rltrain's nn package
 * (RMSNorm, rotate-half RoPE, causal multi-head attention over a KV cache,
 * SwiGLU MLP, LM head tied to the embedding), one token at a time, every
 * matrix-vector product a simple OpenMP-parallel loop over output rows.
 *
 * The weights are random (N(0, 0.02^2) matrices, norm weights 1), generated
 * here from a seed. A run feeds PROMPT_LEN random prompt tokens one by one,
 * then samples NEW_TOKENS tokens at temperature 1 (or greedily) over the
 * full vocabulary with no stop token; tok/s counts the new tokens, the
 * prompt is inside the timing (as in rltrain and the PyTorch peer).
 *
 * Usage: gen CONFIG THREADS [PROMPT_LEN NEW_TOKENS MIN_SECONDS MIN_REPS SEED GREEDY]
 *   CONFIG S (vocab 512, d 256, 4 layers, 4 heads, ffn 688, seq 256),
 *          M (2048, 512, 8, 8, 1376, 512) or T (64, 32, 2, 2, 64, 64).
 * Prints '#' lines and one TSV line in rltrain's format:
 *   generate CONFIG THREADS 1 NEW_TOKENS tok_s peak_rss_mb 0
 *
 * Build: gcc -Ofast -march=native -fopenmp -o gen gen.c -lm
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    int vocab, dim, layers, heads, ffn, max_seq;
} Config;

typedef struct {
    float *embed;                       /* (V, C), also the LM head */
    float *attn_norm, *mlp_norm;        /* (L, C) */
    float *wq, *wk, *wv, *wo;           /* (L, C, C) */
    float *wgate, *wup;                 /* (L, F, C) */
    float *wdown;                       /* (L, C, F) */
    float *final_norm;                  /* (C) */
} Weights;

typedef struct {
    float *x, *h, *q, *k, *v, *att_out, *tmp, *gate, *up, *logits;
    float *scores;                      /* (heads, max_seq) */
    float *kcache, *vcache;             /* (L, max_seq, C) */
    float *cos_t, *sin_t;               /* (max_seq, HS/2) */
} State;

/* xorshift64* and a Box–Muller normal. */
static uint64_t rng_state;
static uint64_t rng_next(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static float rng_uniform(void) { return (float)((rng_next() >> 40) * (1.0 / 16777216.0)); }
static float rng_normal(void) {
    float u1 = rng_uniform(), u2 = rng_uniform();
    if (u1 < 1e-7f) u1 = 1e-7f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

static float *alloc_floats(size_t n) {
    float *p = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!p) {
        fprintf(stderr, "gen: out of memory allocating %zu floats\n", n);
        exit(1);
    }
    return p;
}
static float *random_matrix(size_t n) {
    float *p = alloc_floats(n);
    for (size_t i = 0; i < n; i++) p[i] = 0.02f * rng_normal();
    return p;
}
static float *ones(size_t n) {
    float *p = alloc_floats(n);
    for (size_t i = 0; i < n; i++) p[i] = 1.0f;
    return p;
}

static void init_weights(Weights *w, const Config *c) {
    size_t C = c->dim, F = c->ffn, L = c->layers;
    w->embed = random_matrix((size_t)c->vocab * C);
    w->attn_norm = ones(L * C);
    w->mlp_norm = ones(L * C);
    w->wq = random_matrix(L * C * C);
    w->wk = random_matrix(L * C * C);
    w->wv = random_matrix(L * C * C);
    w->wo = random_matrix(L * C * C);
    w->wgate = random_matrix(L * F * C);
    w->wup = random_matrix(L * F * C);
    w->wdown = random_matrix(L * C * F);
    w->final_norm = ones(C);
}

static void init_state(State *s, const Config *c) {
    size_t C = c->dim, F = c->ffn, L = c->layers, T = c->max_seq;
    int hs = c->dim / c->heads;
    s->x = alloc_floats(C);
    s->h = alloc_floats(C);
    s->q = alloc_floats(C);
    s->k = alloc_floats(C);
    s->v = alloc_floats(C);
    s->att_out = alloc_floats(C);
    s->tmp = alloc_floats(C);
    s->gate = alloc_floats(F);
    s->up = alloc_floats(F);
    s->logits = alloc_floats(c->vocab);
    s->scores = alloc_floats((size_t)c->heads * T);
    s->kcache = alloc_floats(L * T * C);
    s->vcache = alloc_floats(L * T * C);
    s->cos_t = alloc_floats(T * (hs / 2));
    s->sin_t = alloc_floats(T * (hs / 2));
    for (size_t t = 0; t < T; t++)
        for (int i = 0; i < hs / 2; i++) {
            double freq = pow(10000.0, -2.0 * i / hs);
            s->cos_t[t * (hs / 2) + i] = (float)cos(t * freq);
            s->sin_t[t * (hs / 2) + i] = (float)sin(t * freq);
        }
}

/* out = norm(x) * weight */
static void rms_norm(float *out, const float *x, const float *weight, int n) {
    float ss = 0.0f;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    float r = 1.0f / sqrtf(ss / n + 1e-5f);
    for (int i = 0; i < n; i++) out[i] = x[i] * r * weight[i];
}

/* out[rows] = W[rows, cols] · x[cols], rows split over the OpenMP threads. */
static void matvec(float *restrict out, const float *restrict w, const float *restrict x, int rows, int cols) {
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * cols;
        float acc = 0.0f;
        for (int j = 0; j < cols; j++) acc += row[j] * x[j];
        out[r] = acc;
    }
}

/* Rotate-half RoPE on every head of v (length dim) at position pos. */
static void rope(float *v, const State *s, int pos, int heads, int hs) {
    int half = hs / 2;
    const float *cs = s->cos_t + (size_t)pos * half, *sn = s->sin_t + (size_t)pos * half;
    for (int h = 0; h < heads; h++) {
        float *p = v + h * hs;
        for (int i = 0; i < half; i++) {
            float a = p[i], b = p[i + half];
            p[i] = a * cs[i] - b * sn[i];
            p[i + half] = b * cs[i] + a * sn[i];
        }
    }
}

/* One token through the model at position pos; leaves the logits in s->logits. */
static void forward(const Config *c, const Weights *w, State *s, int token, int pos) {
    int C = c->dim, F = c->ffn, H = c->heads, hs = C / H, T = c->max_seq;
    memcpy(s->x, w->embed + (size_t)token * C, C * sizeof(float));
    for (int l = 0; l < c->layers; l++) {
        size_t lcc = (size_t)l * C * C, lfc = (size_t)l * F * C;
        rms_norm(s->h, s->x, w->attn_norm + (size_t)l * C, C);
        matvec(s->q, w->wq + lcc, s->h, C, C);
        float *kc = s->kcache + ((size_t)l * T + pos) * C;
        float *vc = s->vcache + ((size_t)l * T + pos) * C;
        matvec(kc, w->wk + lcc, s->h, C, C);
        matvec(vc, w->wv + lcc, s->h, C, C);
        rope(s->q, s, pos, H, hs);
        rope(kc, s, pos, H, hs);
        const float scale = 1.0f / sqrtf((float)hs);
#pragma omp parallel for schedule(static)
        for (int h = 0; h < H; h++) {
            const float *q = s->q + h * hs;
            float *sc = s->scores + (size_t)h * T;
            float mx = -INFINITY;
            for (int t = 0; t <= pos; t++) {
                const float *k = s->kcache + ((size_t)l * T + t) * C + h * hs;
                float d = 0.0f;
                for (int i = 0; i < hs; i++) d += q[i] * k[i];
                sc[t] = d * scale;
                if (sc[t] > mx) mx = sc[t];
            }
            float sum = 0.0f;
            for (int t = 0; t <= pos; t++) {
                sc[t] = expf(sc[t] - mx);
                sum += sc[t];
            }
            float *o = s->att_out + h * hs;
            for (int i = 0; i < hs; i++) o[i] = 0.0f;
            for (int t = 0; t <= pos; t++) {
                const float *v = s->vcache + ((size_t)l * T + t) * C + h * hs;
                float a = sc[t] / sum;
                for (int i = 0; i < hs; i++) o[i] += a * v[i];
            }
        }
        matvec(s->tmp, w->wo + lcc, s->att_out, C, C);
        for (int i = 0; i < C; i++) s->x[i] += s->tmp[i];
        rms_norm(s->h, s->x, w->mlp_norm + (size_t)l * C, C);
        matvec(s->gate, w->wgate + lfc, s->h, F, C);
        matvec(s->up, w->wup + lfc, s->h, F, C);
        for (int i = 0; i < F; i++) {
            float g = s->gate[i];
            s->gate[i] = g / (1.0f + expf(-g)) * s->up[i];
        }
        matvec(s->tmp, w->wdown + lfc, s->gate, C, F);
        for (int i = 0; i < C; i++) s->x[i] += s->tmp[i];
    }
    rms_norm(s->h, s->x, w->final_norm, C);
    matvec(s->logits, w->embed, s->h, c->vocab, C);
}

/* Samples from softmax(logits) (temperature 1) with one uniform coin, or argmax. */
static int sample(float *logits, int n, int greedy) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    if (greedy) return best;
    float mx = logits[best], sum = 0.0f;
    for (int i = 0; i < n; i++) {
        logits[i] = expf(logits[i] - mx);
        sum += logits[i];
    }
    float coin = rng_uniform() * sum, cdf = 0.0f;
    for (int i = 0; i < n; i++) {
        cdf += logits[i];
        if (coin < cdf) return i;
    }
    return n - 1;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One prompt + completion; returns a checksum of the generated tokens. */
static long generate(const Config *c, const Weights *w, State *s, int prompt_len, int new_tokens, int greedy) {
    long sum = 0;
    int tok = (int)(rng_next() % c->vocab);
    for (int pos = 0; pos < prompt_len + new_tokens - 1; pos++) {
        forward(c, w, s, tok, pos);
        if (pos + 1 < prompt_len) {
            tok = (int)(rng_next() % c->vocab); /* next random prompt token */
        } else {
            tok = sample(s->logits, c->vocab, greedy);
            sum += tok;
        }
    }
    return sum;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s CONFIG(S|M|T) THREADS [PROMPT_LEN NEW_TOKENS MIN_SECONDS MIN_REPS SEED GREEDY]\n", argv[0]);
        return 2;
    }
    Config c;
    if (!strcmp(argv[1], "S")) c = (Config){512, 256, 4, 4, 688, 256};
    else if (!strcmp(argv[1], "M")) c = (Config){2048, 512, 8, 8, 1376, 512};
    else if (!strcmp(argv[1], "T")) c = (Config){64, 32, 2, 2, 64, 64};
    else {
        fprintf(stderr, "gen: unknown config %s (want S, M or T)\n", argv[1]);
        return 2;
    }
    int threads = atoi(argv[2]);
    int prompt_len = argc > 3 ? atoi(argv[3]) : 32;
    int new_tokens = argc > 4 ? atoi(argv[4]) : 128;
    double min_seconds = argc > 5 ? atof(argv[5]) : 2.0;
    int min_reps = argc > 6 ? atoi(argv[6]) : 2;
    uint64_t seed = argc > 7 ? strtoull(argv[7], NULL, 10) : 1;
    int greedy = argc > 8 ? atoi(argv[8]) : 0;
    if (threads < 1 || prompt_len < 1 || new_tokens < 1 || min_reps < 1 || prompt_len + new_tokens > c.max_seq) {
        fprintf(stderr, "gen: need THREADS >= 1, PROMPT_LEN >= 1, NEW_TOKENS >= 1, MIN_REPS >= 1 and PROMPT_LEN+NEW_TOKENS <= %d\n", c.max_seq);
        return 2;
    }
    omp_set_num_threads(threads);
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    Weights w;
    State s;
    init_weights(&w, &c);
    init_state(&s, &c);

    long check = generate(&c, &w, &s, prompt_len, new_tokens, greedy); /* warm-up */
    double start = now_seconds();
    int reps = 0;
    while (reps < min_reps || now_seconds() - start < min_seconds) {
        check += generate(&c, &w, &s, prompt_len, new_tokens, greedy);
        reps++;
    }
    double secs = now_seconds() - start;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("# gen.c omp_threads=%d reps=%d checksum=%ld\n", omp_get_max_threads(), reps, check);
    printf("generate\t%s\t%d\t1\t%d\t%.1f\t%.1f\t0\n", argv[1], threads, new_tokens,
           (double)new_tokens * reps / secs, ru.ru_maxrss / 1024.0);
    return 0;
}
