/* The boilerplate model's hot loops in C (optional: cleaner.engine.linescore falls back to its
 * numpy path when this is not built, or with CLEANER_PURE=1).
 *
 * line_rows: the memo rows of lines without CJK characters (``Scorer._rows``: ``_line``'s
 * measures, the own features' dot product and the rest), one pass over each line.
 * line_fields: ``_line``'s measures themselves (the tests hold them to ``_line``).
 * logits: one scoring pass over a page's memo rows (``Scorer.logits``).
 *
 * The floats must be the Python path's bit for bit: every sum is taken in the order the Python
 * path takes it, one IEEE operation at a time (built with -ffp-contract=off: no fused
 * multiply-add), and log1p is libm's, which math.log1p calls. Character classes are Python's
 * (Py_UNICODE_IS*: what str methods and re's \w, \d and \s use). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define N_OWN 20

static int is_space(Py_UCS4 c) {
    if (c < 128) return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
    return Py_UNICODE_ISSPACE(c);
}

/* linemeasures._PUNCT: what a token is stripped of before it is looked up. */
static int punct(Py_UCS4 c) {
    if (c < 128)
        return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '"' ||
               c == '\'' || c == '(' || c == ')' || c == '[' || c == ']';
    return c == 0x201C || c == 0x201D || c == 0x2018 || c == 0x2019 || c == 0xAB || c == 0xBB;
}

/* linemeasures._CLOSERS */
static int closer(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201D || c == 0x2019 ||
           c == 0xBB || c == 0xFF09 || c == 0x300D || c == 0x300F;
}

/* Whether ``needle`` (ASCII or UCS4 code points, 0-terminated) starts at ``at`` of s. */
static int starts(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t at, const Py_UCS4 *needle) {
    Py_ssize_t k = 0;
    for (; needle[k]; k++)
        if (at + k >= n || s[at + k] != needle[k]) return 0;
    return 1;
}

static int contains(const Py_UCS4 *s, Py_ssize_t n, const Py_UCS4 *needle) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] == needle[0] && starts(s, n, i, needle)) return 1;
    return 0;
}

static const Py_UCS4 COPYRIGHT[] = {'c', 'o', 'p', 'y', 'r', 'i', 'g', 'h', 't', 0};
static const Py_UCS4 RESERVED[] = {'a', 'l', 'l', ' ', 'r', 'i', 'g', 'h', 't', 's', ' ', 'r',
                                   'e', 's', 'e', 'r', 'v', 'e', 'd', 0};

/* linemeasures._BYLINE.match on a casefolded line: a byline word, then a space, ':', '：' or
 * '/'. */
static int byline(const Py_UCS4 *s, Py_ssize_t n) {
    static const Py_UCS4 words[][6] = {
        {'b', 'y', 0},      {'v', 'o', 'n', 0}, {'p', 'a', 'r', 0},
        {'p', 'o', 'r', 0}, {'d', 'i', 0},      {'d', 'o', 'o', 'r', 0},
        {'a', 'v', 0},      {'p', 'r', 'z', 'e', 'z', 0}, {0x43E, 0x442, 0},
        {0x6587, 0},        {0x4F5C, 0x8005, 0}, {0x8A18, 0x8005, 0},
        {0x8BB0, 0x8005, 0},
    };
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        if (!starts(s, n, 0, words[k])) continue;
        Py_ssize_t m = 0;
        while (words[k][m]) m++;
        if (m < n) {
            Py_UCS4 c = s[m];
            if (is_space(c) || c == ':' || c == 0xFF1A || c == '/') return 1;
        }
    }
    return 0;
}

/* A word table: a dict from str to int read into an open-addressing hash table over code
 * points, so a token is looked up without making a str of it. The dicts passed in are made
 * once and never changed (linefast.codes, LineLanguages), and each table keeps a reference to
 * its dict, so its address names it. The first MAX_TABLES are kept (one per language and the
 * counts' table in use); beyond them a table serves one call (table_done frees it): a kept
 * table is never freed, since a call may let another thread run (a callback into Python). */
typedef struct {
    PyObject *dict;
    Py_UCS4 *chars;
    Py_ssize_t *start, *len, *slot;
    PyObject **value;
    size_t mask;
} Table;

#define MAX_TABLES 32
static Table *tables[MAX_TABLES];
static int n_tables;

static size_t hash_of(const Py_UCS4 *s, Py_ssize_t a, Py_ssize_t b) {
    size_t h = 14695981039346656037u;
    for (Py_ssize_t i = a; i < b; i++) {
        h ^= (size_t)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static void table_free(Table *t) {
    if (t == NULL) return;
    Py_XDECREF(t->dict);
    PyMem_Free(t->chars);
    PyMem_Free(t->start);
    PyMem_Free(t->value);
    PyMem_Free(t);
}

static Table *table_of(PyObject *dict) {
    for (int i = 0; i < n_tables; i++)
        if (tables[i]->dict == dict) return tables[i];
    Py_ssize_t n = PyDict_GET_SIZE(dict), pos = 0, total = 0, k = 0;
    size_t size = 16;
    while (size < (size_t)(2 * n + 2)) size *= 2;
    PyObject *key, *value;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "a word table's keys are str");
            return NULL;
        }
        total += PyUnicode_GET_LENGTH(key);
    }
    Table *t = PyMem_Calloc(1, sizeof *t);
    if (t == NULL) return (Table *)PyErr_NoMemory();
    t->chars = PyMem_Malloc(sizeof(Py_UCS4) * (size_t)(total + 1));
    t->start = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(2 * n + 1) + sizeof(Py_ssize_t) * size);
    t->value = PyMem_Malloc(sizeof(PyObject *) * (size_t)(n + 1));
    if (t->chars == NULL || t->start == NULL || t->value == NULL) {
        table_free(t);
        return (Table *)PyErr_NoMemory();
    }
    t->len = t->start + n;
    t->slot = t->len + n + 1;
    t->mask = size - 1;
    for (size_t i = 0; i < size; i++) t->slot[i] = -1;
    Py_INCREF(dict);
    t->dict = dict;
    pos = 0;
    total = 0;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        Py_ssize_t m = PyUnicode_GET_LENGTH(key);
        int kind = PyUnicode_KIND(key);
        const void *d = PyUnicode_DATA(key);
        for (Py_ssize_t i = 0; i < m; i++) t->chars[total + i] = PyUnicode_READ(kind, d, i);
        t->start[k] = total;
        t->len[k] = m;
        t->value[k] = value; /* borrowed: the table holds the dict */
        size_t h = hash_of(t->chars + total, 0, m) & t->mask;
        while (t->slot[h] >= 0) h = (h + 1) & t->mask;
        t->slot[h] = k;
        total += m;
        k++;
    }
    if (n_tables < MAX_TABLES) tables[n_tables++] = t;
    return t;
}

static void table_done(Table *t) {
    for (int i = 0; i < n_tables; i++)
        if (tables[i] == t) return;
    table_free(t);
}

/* The value of s[a:b] in the table, or NULL (borrowed). */
static PyObject *table_get(Table *t, const Py_UCS4 *s, Py_ssize_t a, Py_ssize_t b) {
    size_t h = hash_of(s, a, b) & t->mask;
    Py_ssize_t m = b - a;
    for (Py_ssize_t k; (k = t->slot[h]) >= 0; h = (h + 1) & t->mask) {
        if (t->len[k] != m) continue;
        const Py_UCS4 *w = t->chars + t->start[k];
        Py_ssize_t i = 0;
        while (i < m && w[i] == s[a + i]) i++;
        if (i == m) return t->value[k];
    }
    return NULL;
}

typedef struct {
    Py_ssize_t chars, latin, letters, upper, digits, commas, tokens, titled;
    double words, stop, chrome, upper_share, titled_share, digit_share;
    int ends, colon, separators, copyright, byline, dated;
} Measures;

/* One line's measures (``_line``'s, for a line without CJK characters and newlines) from the
 * line and its casefold. codes: a stripped token's code (1 stop word, 2 chrome word, 3 both).
 * -1 on an error. */
/* A line's words as line_words counts them (its casefold's tokens, stripped of _PUNCT): how
 * many, how many are chrome words, and how many are stop words of each language. */
#define MAX_LANGS 30
typedef struct {
    int latin, chrome, stop[MAX_LANGS];
} Words;

static int measure(const Py_UCS4 *s, Py_ssize_t n, const Py_UCS4 *f, Py_ssize_t fn,
                   Table *codes, const Words *words, int lang, Measures *m) {
    Py_ssize_t stop_hits = 0, chrome_hits = 0;
    int in_token = 0, copyright = 0;
    memset(m, 0, sizeof *m);
    m->chars = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = s[i];
        int up, letter, digit;
        if (c < 128) {
            up = c >= 'A' && c <= 'Z';
            letter = up || (c >= 'a' && c <= 'z');
            digit = c >= '0' && c <= '9';
        } else {
            up = Py_UNICODE_ISUPPER(c);
            digit = Py_UNICODE_ISDECIMAL(c);
            letter = Py_UNICODE_ISALNUM(c) && !digit;  /* re's [^\W\d_] */
        }
        m->letters += letter;
        m->upper += up;
        m->digits += digit;
        if (c == ',' || c == 0xFF0C || c == 0x3001) m->commas++;
        if (c == '|' || c == 0x2022 || c == 0x203A || c == 0xBB || c == 0xB7 || c == 0xAB ||
            c == 0x2039)
            m->separators = 1;
        if (c == 0xA9) copyright = 1;
        if (is_space(c)) {
            in_token = 0;
        } else if (!in_token) {
            in_token = 1;
            m->tokens++;
            m->titled += up;
        }
    }
    if (words != NULL) {
        m->latin = words->latin;
        stop_hits = words->stop[lang];
        chrome_hits = words->chrome;
    }
    for (Py_ssize_t i = 0; words == NULL && i < fn;) {
        while (i < fn && is_space(f[i])) i++;
        if (i >= fn) break;
        Py_ssize_t a = i;
        while (i < fn && !is_space(f[i])) i++;
        Py_ssize_t b = i;
        while (a < b && punct(f[a])) a++;
        while (b > a && punct(f[b - 1])) b--;
        if (a == b) continue;
        m->latin++;
        PyObject *code = table_get(codes, f, a, b);
        if (code == NULL) continue;
        long k = PyLong_AsLong(code);
        if (k == -1 && PyErr_Occurred()) return -1;
        stop_hits += (k & 1) != 0;
        chrome_hits += (k & 2) != 0;
    }
    Py_ssize_t e = n;
    while (e > 0 && closer(s[e - 1])) e--;
    if (e > 0) {
        Py_UCS4 last = s[e - 1];
        m->ends = last == '.' || last == '!' || last == '?' || last == 0x2026 ||
                  last == 0x3002 || last == 0xFF01 || last == 0xFF1F;
        m->colon = last == ':';
    }
    m->words = (double)m->latin;
    m->stop = m->latin ? (double)stop_hits / m->words : 0.0;
    m->chrome = m->latin ? (double)chrome_hits / (double)m->latin : 0.0;
    m->upper_share = (double)m->upper / (double)(m->letters ? m->letters : 1);
    m->titled_share = m->tokens ? (double)m->titled / (double)m->tokens : 0.0;
    m->digit_share = (double)m->digits / (double)n;
    m->copyright = copyright || contains(f, fn, COPYRIGHT) || contains(f, fn, RESERVED);
    m->byline = byline(f, fn);
    return 0;
}

static int read_doubles(PyObject *seq, double *out, Py_ssize_t n, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL) return -1;
    if (PySequence_Fast_GET_SIZE(fast) != n) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "%s: %zd values expected", what, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (out[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

/* A str's code points in a buffer grown as needed (freed by the caller); NULL on an error. */
typedef struct {
    Py_UCS4 *data;
    Py_ssize_t size;
} Buffer;

static Py_UCS4 *code_points(PyObject *str, Buffer *buf) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (n + 1 > buf->size) {
        Py_UCS4 *grown = PyMem_Realloc(buf->data, sizeof(Py_UCS4) * (size_t)(2 * n + 64));
        if (grown == NULL) return (Py_UCS4 *)PyErr_NoMemory();
        buf->data = grown;
        buf->size = 2 * n + 64;
    }
    return PyUnicode_AsUCS4(str, buf->data, buf->size, 1);
}

/* Line i and its casefold: folded[i], or for an ASCII line with folded None, the line
 * lower-cased (its casefold) made here. A new reference to the casefold; NULL on an error. */
static PyObject *line_at(PyObject *lines, PyObject *folded, Py_ssize_t i, PyObject **line) {
    *line = PyList_GET_ITEM(lines, i);
    if (!PyUnicode_Check(*line) || PyUnicode_GET_LENGTH(*line) == 0) {
        PyErr_SetString(PyExc_ValueError, "lines must be non-empty str");
        return NULL;
    }
    if (folded != Py_None) {
        PyObject *f = PyList_GET_ITEM(folded, i);
        if (!PyUnicode_Check(f)) {
            PyErr_SetString(PyExc_ValueError, "folded must be str");
            return NULL;
        }
        Py_INCREF(f);
        return f;
    }
    if (!PyUnicode_IS_ASCII(*line)) {
        PyErr_SetString(PyExc_ValueError, "without folded, lines must be ASCII");
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(*line);
    PyObject *f = PyUnicode_New(n, 127);
    if (f == NULL) return NULL;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(*line);
    Py_UCS1 *low = PyUnicode_1BYTE_DATA(f);
    for (Py_ssize_t k = 0; k < n; k++) low[k] = s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k];
    return f;
}

/* linemeasures._dated on a casefolded line without CJK characters (``_DATE``'s alternatives but
 * 年月日, which such a line does not hold): whether some alternative matches somewhere. \w and
 * \d are Python re's (sre: Py_UNICODE_ISALNUM or '_', Py_UNICODE_ISDECIMAL), which on ASCII
 * are RE2's on bytes (_DATE_ASCII, _DATE_LATIN). */
static int ascii_word(Py_UCS4 c) {
    if (c < 128)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    return Py_UNICODE_ISALNUM(c);
}
static int dig(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t i) {
    if (i >= n) return 0;
    return s[i] < 128 ? s[i] >= '0' && s[i] <= '9' : Py_UNICODE_ISDECIMAL(s[i]);
}
static Py_ssize_t digit_run(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t i) {
    Py_ssize_t j = i;
    while (dig(s, n, j)) j++;
    return j - i;
}
static int ends_word(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t i) {
    return i >= n || !ascii_word(s[i]); /* \b after a word character */
}
static int separator(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t i) {
    return i < n && (s[i] == '.' || s[i] == '/' || s[i] == '-');
}
static int month_at(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t i) {
    static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (i + 3 > n) return 0;
    for (int k = 0; k < 36; k += 3)
        if (s[i] == (Py_UCS4)months[k] && s[i + 1] == (Py_UCS4)months[k + 1] &&
            s[i + 2] == (Py_UCS4)months[k + 2])
            return 1;
    return 0;
}

static int dated(const Py_UCS4 *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        int starts_word = i == 0 || !ascii_word(s[i - 1]);
        if (dig(s, n, i)) {
            /* \d \b(?:jan|...) */
            if (i + 1 < n && s[i + 1] == ' ' && month_at(s, n, i + 2)) return 1;
            if (!starts_word) continue;
            /* \b(?:1[89]|20)\d\d\b */
            if (((s[i] == '1' && i + 1 < n && (s[i + 1] == '8' || s[i + 1] == '9')) ||
                 (s[i] == '2' && i + 1 < n && s[i + 1] == '0')) &&
                dig(s, n, i + 2) && dig(s, n, i + 3) && ends_word(s, n, i + 4))
                return 1;
            Py_ssize_t run = digit_run(s, n, i), j = i + run;
            if (run > 2) continue;
            /* \b\d{1,2}:\d\d\b */
            if (j < n && s[j] == ':' && dig(s, n, j + 1) && dig(s, n, j + 2) &&
                ends_word(s, n, j + 3))
                return 1;
            /* \b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b */
            if (separator(s, n, j)) {
                Py_ssize_t run2 = digit_run(s, n, j + 1), k = j + 1 + run2;
                if (run2 >= 1 && run2 <= 2 && separator(s, n, k)) {
                    Py_ssize_t run3 = digit_run(s, n, k + 1);
                    if (run3 >= 2 && run3 <= 4 && ends_word(s, n, k + 1 + run3)) return 1;
                }
            }
        } else if (starts_word && month_at(s, n, i)) {
            /* \b(?:jan|...)[a-z]*\.? \d */
            Py_ssize_t j = i + 3;
            while (j < n && s[j] >= 'a' && s[j] <= 'z') j++;
            if (j < n && s[j] == '.') j++;
            if (j < n && s[j] == ' ' && dig(s, n, j + 1)) return 1;
        }
    }
    return 0;
}

/* measure() of a line and its casefold, and whether it is dated: by dated() (dated_of None),
 * else dated_of(casefold), for the lines with a digit (every date without CJK characters has
 * one). */
static int measured(PyObject *line, PyObject *folded, Table *codes, const Words *words,
                    int lang, PyObject *dated_of, Measures *m, Buffer *bufs) {
    Py_UCS4 *s = code_points(line, &bufs[0]);
    Py_UCS4 *f = s == NULL ? NULL : code_points(folded, &bufs[1]);
    Py_ssize_t fn = PyUnicode_GET_LENGTH(folded);
    if (f == NULL || measure(s, PyUnicode_GET_LENGTH(line), f, fn, codes, words, lang, m) < 0)
        return -1;
    m->dated = 0;
    if (m->digits == 0) return 0;
    if (dated_of == Py_None) {
        m->dated = dated(f, fn);
        return 0;
    }
    PyObject *got = PyObject_CallOneArg(dated_of, folded);
    m->dated = got == NULL ? -1 : PyObject_IsTrue(got);
    Py_XDECREF(got);
    return m->dated < 0 ? -1 : 0;
}

/* Arguments shared by line_fields and line_rows: lines, their casefolds (a list, or None for
 * ASCII lines), the token codes and a byte per line, 1 where it holds a date. */
static int line_args(PyObject *args, PyObject **lines, PyObject **folded, PyObject **codes,
                     PyObject **dated_of, PyObject **weights) {
    if (!PyArg_ParseTuple(args, weights ? "O!OO!OO" : "O!OO!O", &PyList_Type, lines, folded,
                          &PyDict_Type, codes, dated_of, weights))
        return -1;
    Py_ssize_t count = PyList_GET_SIZE(*lines);
    int bad_folded = *folded != Py_None &&
                     (!PyList_Check(*folded) || PyList_GET_SIZE(*folded) != count);
    if (bad_folded || (*folded == Py_None && *dated_of != Py_None)) {
        PyErr_SetString(PyExc_ValueError, "folded: one per line; dated_of with folded only");
        return -1;
    }
    return 0;
}

/* line_fields(lines, folded, codes, dated) -> a tuple of _Line's fields per line. */
static PyObject *line_fields(PyObject *self, PyObject *args) {
    PyObject *lines, *folded, *codes, *line;
    PyObject *dated_of;
    if (line_args(args, &lines, &folded, &codes, &dated_of, NULL) < 0) return NULL;
    Table *table = table_of(codes);
    if (table == NULL) return NULL;
    Buffer bufs[2] = {{NULL, 0}, {NULL, 0}};
    Py_ssize_t count = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(count);
    for (Py_ssize_t i = 0; out != NULL && i < count; i++) {
        PyObject *f = line_at(lines, folded, i, &line);
        Measures m;
        int ok = f != NULL && measured(line, f, table, NULL, 0, dated_of, &m, bufs) == 0;
        Py_XDECREF(f);
        PyObject *row = !ok ? NULL : Py_BuildValue(
            "(nddOOOdddOdOndOO)", m.chars, m.words, m.stop, m.ends ? Py_True : Py_False,
            m.colon ? Py_True : Py_False, m.letters ? Py_False : Py_True, m.upper_share,
            m.titled_share, m.digit_share, m.separators ? Py_True : Py_False, m.chrome,
            m.copyright ? Py_True : Py_False, m.commas, 0.0, m.dated ? Py_True : Py_False,
            m.byline ? Py_True : Py_False);
        if (row == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, row);
    }
    PyMem_Free(bufs[0].data);
    PyMem_Free(bufs[1].data);
    if (table != NULL) table_done(table);
    return out;
}

/* log1p(k) and log1p(k / 4) for small whole k, taken once at import: the same libm calls on
 * the same doubles, so the same floats, where a pass would take several per line. */
#define N_LOG 4096
static double log_whole[N_LOG], log_quarter[N_LOG];

static double log1p_whole(Py_ssize_t k) {
    return k >= 0 && k < N_LOG ? log_whole[k] : log1p((double)k);
}

/* log1p(q / 4) */
static double log1p_quarter(double q) {
    if (q >= 0 && q < N_LOG) {
        Py_ssize_t k = (Py_ssize_t)q;
        if ((double)k == q) return log_quarter[k];
    }
    return log1p(q / 4);
}

/* line_rows(lines, folded, codes, dated, weights) -> the memo rows: (own features' share of
 * the first-pass logit, words, prose, short, casefold, stop share, chrome share). */
/* The memo row of a line and its casefold (a new reference; NULL on an error). */
static PyObject *row_of(PyObject *line, PyObject *f, Table *table, const Words *counted,
                        int lang, PyObject *dated_of, const double *w, Buffer *bufs) {
    Measures m;
    if (measured(line, f, table, counted, lang, dated_of, &m, bufs) < 0) return NULL;
    double words = m.words;
    double own[N_OWN] = {
        log1p_whole(m.chars),
        log1p_whole(m.latin),
        m.stop,
        m.ends ? 1.0 : 0.0,
        m.colon ? 1.0 : 0.0,
        m.letters ? 0.0 : 1.0,
        m.upper_share,
        m.titled_share,
        m.digit_share,
        m.separators ? 1.0 : 0.0,
        m.chrome,
        m.copyright ? 1.0 : 0.0,
        log1p_whole(m.commas),
        0.0,
        m.dated ? 1.0 : 0.0,
        m.byline ? 1.0 : 0.0,
        words <= 2 ? 1.0 : 0.0,
        2 < words && words <= 5 ? 1.0 : 0.0,
        5 < words && words <= 10 ? 1.0 : 0.0,
        words <= 6 && !m.ends ? 1.0 : 0.0,
    };
    /* _own's dot product: from 0.0, a product then a sum per feature, in order. */
    double part = 0.0;
    for (int k = 0; k < N_OWN; k++) {
        double term = w[k] * own[k];
        part = part + term;
    }
    int body = words >= 12 && m.stop >= 0.15 && !m.copyright;
    int is_short = words <= 6 && !m.ends;
    PyObject *row = Py_BuildValue("(ddOOOdd)", part, words, body ? Py_True : Py_False,
                                  is_short ? Py_True : Py_False, f, m.stop, m.chrome);
    /* Floats, booleans and a str: never part of a cycle, so the collector need not visit the
     * memo's rows. */
    if (row != NULL) PyObject_GC_UnTrack(row);
    return row;
}

/* line_rows(lines, folded, codes, dated_of, weights) -> the memo rows: (own features' share
 * of the first-pass logit, words, prose, short, casefold, stop share, chrome share). */
static PyObject *line_rows(PyObject *self, PyObject *args) {
    PyObject *lines, *folded, *codes, *weights, *line;
    PyObject *dated_of;
    double w[N_OWN];
    if (line_args(args, &lines, &folded, &codes, &dated_of, &weights) < 0) return NULL;
    if (read_doubles(weights, w, N_OWN, "weights") < 0) return NULL;
    Table *table = table_of(codes);
    if (table == NULL) return NULL;
    Buffer bufs[2] = {{NULL, 0}, {NULL, 0}};
    Py_ssize_t count = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(count);
    for (Py_ssize_t i = 0; out != NULL && i < count; i++) {
        PyObject *f = line_at(lines, folded, i, &line);
        PyObject *row = f == NULL ? NULL : row_of(line, f, table, NULL, 0, dated_of, w, bufs);
        Py_XDECREF(f);
        if (row == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, row);
    }
    PyMem_Free(bufs[0].data);
    PyMem_Free(bufs[1].data);
    if (table != NULL) table_done(table);
    return out;
}

/* Whether a line is measured here: non-empty, without a newline or a CJK character. */
static int measurable(PyObject *line) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    int kind = PyUnicode_KIND(line);
    const void *s = PyUnicode_DATA(line);
    if (n == 0) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, s, i);
        if (c == '\n' || (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) ||
            (c >= 0xF900 && c <= 0xFAFF))
            return 0;
    }
    return 1;
}

/* known_rows(lines, memo, codes, weights[, records, lang]) -> each line's memo row, from memo
 * or measured and added to it; None for a line this does not measure (a CJK character or a
 * newline: Python's _line does). ASCII lines are casefolded here, the others by str.casefold.
 * records (line_words'): the lines' words already counted, read for language lang, and the
 * casefolds of the lines beyond ASCII. */
static PyObject *known_rows(PyObject *self, PyObject *args) {
    PyObject *lines, *memo, *codes, *weights, *records = Py_None;
    int lang = 0;
    double w[N_OWN];
    if (!PyArg_ParseTuple(args, "O!O!O!O|Oi", &PyList_Type, &lines, &PyDict_Type, &memo,
                          &PyDict_Type, &codes, &weights, &records, &lang))
        return NULL;
    if (read_doubles(weights, w, N_OWN, "weights") < 0) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(lines);
    if (records != Py_None &&
        (!PyList_Check(records) || PyList_GET_SIZE(records) != count || lang < 0 ||
         lang >= MAX_LANGS)) {
        PyErr_SetString(PyExc_ValueError, "records: one per line (line_words'); a language index");
        return NULL;
    }
    PyObject *out = PyList_New(count);
    Table *table = NULL;
    Buffer bufs[2] = {{NULL, 0}, {NULL, 0}};
    for (Py_ssize_t i = 0; out != NULL && i < count; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        PyObject *row = PyDict_GetItemWithError(memo, line);
        if (row != NULL) {
            Py_INCREF(row);
        } else if (PyErr_Occurred()) {
            row = NULL;
        } else if (!PyUnicode_Check(line) || !measurable(line)) {
            row = Py_NewRef(Py_None);
        } else {
            if (table == NULL) table = table_of(codes);
            PyObject *f = NULL;
            int ascii = PyUnicode_IS_ASCII(line);
            /* A record: (the line's Words as bytes, its casefold or None for ASCII). */
            PyObject *rec = records == Py_None ? NULL : PyList_GET_ITEM(records, i);
            PyObject *bytes = rec != NULL && PyTuple_Check(rec) && PyTuple_GET_SIZE(rec) == 2
                                  ? PyTuple_GET_ITEM(rec, 0)
                                  : NULL;
            PyObject *folded = bytes != NULL ? PyTuple_GET_ITEM(rec, 1) : NULL;
            if (rec != NULL && (bytes == NULL || !PyBytes_Check(bytes) ||
                                PyBytes_GET_SIZE(bytes) != sizeof(Words) ||
                                (!ascii && !PyUnicode_Check(folded)))) {
                PyErr_SetString(PyExc_ValueError, "a record is line_words'");
            } else if (table != NULL) {
                f = ascii       ? line_at(lines, Py_None, i, &line)
                    : rec != NULL ? Py_NewRef(folded)
                                  : PyObject_CallMethod(line, "casefold", NULL);
            }
            if (f != NULL && !PyUnicode_Check(f)) Py_CLEAR(f);
            Words record;
            const Words *words = NULL;
            if (f != NULL && rec != NULL) {
                memcpy(&record, PyBytes_AS_STRING(bytes), sizeof record);
                words = &record;
            }
            row = f == NULL ? NULL
                            : row_of(line, f, table, words, lang, Py_None, w, bufs);
            Py_XDECREF(f);
            if (row != NULL && PyDict_SetItem(memo, line, row) < 0) Py_CLEAR(row);
        }
        if (row == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, row);
    }
    PyMem_Free(bufs[0].data);
    PyMem_Free(bufs[1].data);
    if (table != NULL) table_done(table);
    return out;
}

/* The code points of ``line``'s casefold, in ``buf`` (``*n`` of them), and the casefold itself
 * in ``*fold`` (a new reference, or NULL): packed_lines and line_words read a line's tokens
 * from them. An ASCII line's casefold is it lower-cased. NULL on an error. */
static Py_UCS4 *folded(PyObject *line, Buffer *buf, Py_ssize_t *n, PyObject **fold) {
    int ascii = PyUnicode_Check(line) && PyUnicode_IS_ASCII(line);
    PyObject *f = ascii ? Py_NewRef(line) : PyObject_CallMethod(line, "casefold", NULL);
    Py_UCS4 *s = f == NULL || !PyUnicode_Check(f) ? NULL : code_points(f, buf);
    *n = s == NULL ? 0 : PyUnicode_GET_LENGTH(f);
    for (Py_ssize_t k = 0; ascii && k < *n; k++)
        if (s[k] >= 'A' && s[k] <= 'Z') s[k] += 32;
    *fold = f;
    return s;
}

/* packed_lines(lines, memo, table) -> each line's stop words per language: the sum of
 * table[token] over its casefold's tokens (str.split's), remembered in memo
 * (``LineLanguages.packed``). */
static PyObject *packed_lines(PyObject *self, PyObject *args) {
    PyObject *lines, *memo, *dict;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyList_Type, &lines, &PyDict_Type, &memo,
                          &PyDict_Type, &dict))
        return NULL;
    Table *words = NULL;
    Buffer buf = {NULL, 0};
    Py_ssize_t count = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(count);
    for (Py_ssize_t i = 0; out != NULL && i < count; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        PyObject *total = PyDict_GetItemWithError(memo, line);
        if (total != NULL) {
            Py_INCREF(total);
        } else if (!PyErr_Occurred()) {
            if (words == NULL) words = table_of(dict);
            PyObject *f = NULL;
            Py_ssize_t n = 0;
            Py_UCS4 *s = words == NULL ? NULL : folded(line, &buf, &n, &f);
            Py_XDECREF(f);
            total = s == NULL ? NULL : PyLong_FromLong(0);
            for (Py_ssize_t k = 0; total != NULL && k < n;) {
                while (k < n && is_space(s[k])) k++;
                if (k >= n) break;
                Py_ssize_t a = k;
                while (k < n && !is_space(s[k])) k++;
                PyObject *value = table_get(words, s, a, k);
                if (value == NULL) continue;
                PyObject *sum = PyNumber_Add(total, value);
                Py_DECREF(total);
                total = sum;
            }
            if (total != NULL && PyDict_SetItem(memo, line, total) < 0) Py_CLEAR(total);
        }
        if (total == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, total);
    }
    PyMem_Free(buf.data);
    if (words != NULL) table_done(words);
    return out;
}

/* A token's bits in a line_words table (0 for a word not in it). -1 on an error. */
static long word_bits(Table *t, const Py_UCS4 *s, Py_ssize_t a, Py_ssize_t b) {
    PyObject *value = table_get(t, s, a, b);
    return value == NULL ? 0 : PyLong_AsLong(value);
}

/* line_words(lines, memo, table, n_langs) -> each line's entry [packed, record, -1, None],
 * remembered in memo, from one pass over each new line's tokens (its casefold's, str.split's):
 * packed, its stop words per language, a 32-bit field per language (``LineLanguages.packed``);
 * record, its Words (the tokens stripped of _PUNCT: how many, how many chrome words, how many
 * stop words of each language) as bytes, for known_rows. drop keeps the line's memo row in a
 * language (its index, the row) in the last two. table: a word's languages as bits 0 to
 * n_langs - 1 and bit n_langs for a chrome word. */
static PyObject *line_words(PyObject *self, PyObject *args) {
    PyObject *lines, *memo, *dict;
    int n_langs;
    if (!PyArg_ParseTuple(args, "O!O!O!i", &PyList_Type, &lines, &PyDict_Type, &memo,
                          &PyDict_Type, &dict, &n_langs))
        return NULL;
    if (n_langs < 1 || n_langs > MAX_LANGS) {
        PyErr_Format(PyExc_ValueError, "n_langs: 1 to %d", MAX_LANGS);
        return NULL;
    }
    Table *table = NULL;
    Buffer buf = {NULL, 0};
    Py_ssize_t count = PyList_GET_SIZE(lines);
    PyObject *out = PyList_New(count);
    int ok = out != NULL;
    for (Py_ssize_t i = 0; ok && i < count; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        PyObject *entry = PyDict_GetItemWithError(memo, line);
        if (entry != NULL) {
            Py_INCREF(entry);
        } else if (!PyErr_Occurred()) {
            if (table == NULL) table = table_of(dict);
            int ascii = PyUnicode_Check(line) && PyUnicode_IS_ASCII(line);
            PyObject *f = NULL;
            Py_ssize_t n = 0;
            Py_UCS4 *c = table == NULL ? NULL : folded(line, &buf, &n, &f);
            unsigned long raw[MAX_LANGS] = {0};
            Words rec;
            memset(&rec, 0, sizeof rec);
            int good = c != NULL;
            for (Py_ssize_t k = 0; good && k < n;) {
                while (k < n && is_space(c[k])) k++;
                if (k >= n) break;
                Py_ssize_t a = k;
                while (k < n && !is_space(c[k])) k++;
                Py_ssize_t b = k;
                long bits = word_bits(table, c, a, b);
                for (int g = 0; bits && g < n_langs; g++)
                    raw[g] += (unsigned long)((bits >> g) & 1);
                Py_ssize_t sa = a, sb = b;
                while (sa < sb && punct(c[sa])) sa++;
                while (sb > sa && punct(c[sb - 1])) sb--;
                if (sa == sb) continue;
                rec.latin++;
                if (sa != a || sb != b) bits = word_bits(table, c, sa, sb);
                for (int g = 0; bits && g < n_langs; g++) rec.stop[g] += (int)((bits >> g) & 1);
                rec.chrome += (int)((bits >> n_langs) & 1);
                good = !PyErr_Occurred();
            }
            /* The packed counts: each language's count shifted into its field. */
            PyObject *total = good ? PyLong_FromLong(0) : NULL;
            for (int g = 0; total != NULL && g < n_langs; g++) {
                if (!raw[g]) continue;
                PyObject *v = PyLong_FromUnsignedLong(raw[g]);
                PyObject *shift = PyLong_FromLong(32L * g);
                PyObject *field = v == NULL || shift == NULL ? NULL : PyNumber_Lshift(v, shift);
                Py_XDECREF(v);
                Py_XDECREF(shift);
                PyObject *sum = field == NULL ? NULL : PyNumber_Or(total, field);
                Py_XDECREF(field);
                Py_SETREF(total, sum);
            }
            PyObject *bytes = total == NULL ? NULL
                                            : PyBytes_FromStringAndSize((char *)&rec, sizeof rec);
            /* The record: the Words, and the casefold of a line beyond ASCII (known_rows
             * measures the line from it). */
            PyObject *record = bytes == NULL ? NULL : PyTuple_Pack(2, bytes, ascii ? Py_None : f);
            Py_XDECREF(f);
            Py_XDECREF(bytes);
            bytes = record;
            entry = bytes == NULL ? NULL : PyList_New(4);
            if (entry != NULL) {
                PyList_SET_ITEM(entry, 0, Py_NewRef(total));
                PyList_SET_ITEM(entry, 1, Py_NewRef(bytes));
                PyList_SET_ITEM(entry, 2, PyLong_FromLong(-1));
                PyList_SET_ITEM(entry, 3, Py_NewRef(Py_None));
                /* ints, bytes and later a row (floats, booleans, a str): never in a cycle. */
                PyObject_GC_UnTrack(entry);
            }
            Py_XDECREF(total);
            Py_XDECREF(bytes);
            if (entry != NULL && PyDict_SetItem(memo, line, entry) < 0) Py_CLEAR(entry);
        }
        if (entry == NULL || !PyList_Check(entry) || PyList_GET_SIZE(entry) != 4) {
            if (entry != NULL) PyErr_SetString(PyExc_TypeError, "a line_words memo entry");
            Py_XDECREF(entry);
            ok = 0;
            break;
        }
        PyList_SET_ITEM(out, i, entry);
    }
    PyMem_Free(buf.data);
    if (table != NULL) table_done(table);
    if (!ok) Py_CLEAR(out);
    return out;
}

/* numpy's maximum and minimum (the scorer's center windows) and Python's max and min (its
 * edge windows, the first of equals kept). */
static double np_max(double x, double y) { return (x >= y || isnan(x)) ? x : y; }
static double np_min(double x, double y) { return (x <= y || isnan(x)) ? x : y; }

enum {
    BIAS1, W_POSITION, W_DISTANCE, W_RUN, W_NEAR, W_BEFORE_BODY, W_ABOVE, W_AFTER_BODY,
    W_REPEATED, W_FIRST_LINE, W_PAGE_SHARE, W_BODY_LINES, W_LINES, W_IN, W_BEFORE, W_AFTER,
    W_GAP, W_MAIN_SHARE, W_SHORT, W_STOP, W_LINK, BIAS2, C_OWN, C_PREVIOUS, C_NEXT, C_MEAN,
    C_MAX, C_MIN, C_BEFORE_BODY, C_AFTER_BODY, C_PAGE_SHARE, C_IN, C_BEFORE, C_AFTER, N_WEIGHTS
};

typedef struct {
    double *part, *words, *stop, *chrome, *z, *st, *cs, *second;
    char *body, *is_short, *repeated;
    Py_ssize_t *distance, *run, *ss;
} Page;

static void page_free(Page *p) {
    PyMem_Free(p->part);
    PyMem_Free(p->distance);
    PyMem_Free(p->body);
}

static int page_alloc(Page *p, Py_ssize_t n) {
    memset(p, 0, sizeof *p);
    p->part = PyMem_Malloc(sizeof(double) * (size_t)(8 * n + 2));
    p->distance = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(3 * n + 1));
    p->body = PyMem_Malloc((size_t)(3 * n + 1));
    if (p->part == NULL || p->distance == NULL || p->body == NULL) {
        page_free(p);
        PyErr_NoMemory();
        return -1;
    }
    p->words = p->part + n;
    p->stop = p->words + n;
    p->chrome = p->stop + n;
    p->z = p->chrome + n;
    p->st = p->z + n;
    p->cs = p->st + n + 1;
    p->second = p->cs + n + 1;
    p->run = p->distance + n;
    p->ss = p->run + n;
    p->is_short = p->body + n;
    p->repeated = p->is_short + n;
    return 0;
}

/* Which of n keys (casefolded lines) occur more than once: repeated[i]. -1 on an error. */
static int mark_repeated(PyObject *const *keys, Py_ssize_t n, char *repeated) {
    PyObject *seen = PySet_New(NULL), *twice = PySet_New(NULL);
    int ok = seen != NULL && twice != NULL;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        int in = PySet_Contains(seen, keys[i]);
        if (in < 0 || (in ? PySet_Add(twice, keys[i]) : PySet_Add(seen, keys[i])) < 0) ok = 0;
    }
    Py_ssize_t dups = ok ? PySet_GET_SIZE(twice) : 0;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        int in = dups ? PySet_Contains(twice, keys[i]) : 0;
        if (in < 0) ok = 0;
        repeated[i] = (char)(in > 0);
    }
    Py_XDECREF(seen);
    Py_XDECREF(twice);
    return ok ? 0 : -1;
}

/* The memo rows' columns into the page's, their keys (casefolded lines, borrowed from the
 * rows) into keys. -1 on an error. */
static int read_rows(PyObject *known, Py_ssize_t n, Page *p, PyObject **keys) {
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(known, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != 7) {
            PyErr_SetString(PyExc_TypeError, "a memo row is a tuple of 7");
            return -1;
        }
        p->part[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(row, 0));
        p->words[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(row, 1));
        p->stop[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(row, 5));
        p->chrome[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(row, 6));
        int b = PyObject_IsTrue(PyTuple_GET_ITEM(row, 2));
        int s = PyObject_IsTrue(PyTuple_GET_ITEM(row, 3));
        if (b < 0 || s < 0 || PyErr_Occurred()) return -1;
        p->body[i] = (char)b;
        p->is_short[i] = (char)s;
        keys[i] = PyTuple_GET_ITEM(row, 4);
    }
    return 0;
}

/* One scoring pass over a page's columns (p's part, words, stop, chrome, body, is_short and
 * repeated, for n lines: ``Scorer.logits``): each line's second-pass logit in p->second. 1 with
 * fewer than min_body prose lines, else 0. */
static int score_page(Page *p, Py_ssize_t n, Py_ssize_t min_body, const double *w) {
    Py_ssize_t n_body = 0, first_body = n, last_body = -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (p->body[i]) {
            n_body++;
            if (first_body == n) first_body = i;
            last_body = i;
        }
    if (n_body < min_body) return 1;
    /* linemodel.main_block */
    Py_ssize_t main = 0, first = -1, end = -1, count = 0, start = -1, last = -4 - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!p->body[i]) continue;
        if (i - last <= 4) {
            count++;
        } else {
            count = 1;
            start = i;
        }
        last = i;
        if (count > main) {
            main = count;
            first = start;
            end = i;
        }
    }
    /* Distances to the nearer prose line (n without prose), runs of short lines. */
    Py_ssize_t prev = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p->body[i]) prev = i;
        p->distance[i] = prev >= 0 ? i - prev : n;
    }
    prev = -1;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        if (p->body[i]) prev = i;
        if (prev >= 0 && prev - i < p->distance[i]) p->distance[i] = prev - i;
    }
    for (Py_ssize_t i = 0; i < n;) {
        Py_ssize_t j = i;
        while (j < n && p->is_short[j] == p->is_short[i]) j++;
        for (Py_ssize_t k = i; k < j; k++) p->run[k] = p->is_short[i] ? j - i : 0;
        i = j;
    }
    /* The first pass but for the block features (Scorer._first_pass). */
    double *z = p->z;
    for (Py_ssize_t i = 0; i < n; i++) {
        double near;
        if (n < 2) {
            near = w[W_NEAR] * log_whole[0];
        } else {
            double q = i == 0       ? p->words[1] * 4
                       : i == n - 1 ? p->words[n - 2] * 4
                                    : (p->words[i - 1] + p->words[i + 1]) * 2;
            near = w[W_NEAR] * log1p_quarter(q);
        }
        double pos = w[W_POSITION] * ((double)i / (double)n);
        double distance = w[W_DISTANCE] * log1p_whole(p->distance[i]);
        double run = w[W_RUN] * log1p_whole(p->run[i]);
        z[i] = w[BIAS1] + p->part[i];
        z[i] = z[i] + pos;
        z[i] = z[i] + distance;
        z[i] = z[i] + (run + near);
    }
    for (Py_ssize_t i = 0; i < first_body; i++) z[i] += w[W_BEFORE_BODY];
    for (Py_ssize_t i = first_body - 3 > 0 ? first_body - 3 : 0; i < first_body; i++)
        z[i] += w[W_ABOVE];
    for (Py_ssize_t i = last_body + 1; i < n; i++) z[i] += w[W_AFTER_BODY];
    for (Py_ssize_t i = 0; i < n; i++)
        if (p->repeated[i]) z[i] += w[W_REPEATED];
    z[0] += w[W_FIRST_LINE];
    /* The block features (Scorer._plus_blocks). */
    double page = 0 + w[W_PAGE_SHARE] * ((double)n_body / (double)n);
    page += w[W_BODY_LINES] * log1p((double)n_body);
    page += w[W_LINES] * log1p((double)n);
    double share = w[W_MAIN_SHARE] * (n_body ? (double)main / (double)n_body : 0.0);
    p->ss[0] = 0;
    p->st[0] = 0.0;
    p->cs[0] = 0.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        p->ss[i + 1] = p->ss[i] + p->is_short[i];
        p->st[i + 1] = p->st[i] + p->stop[i];
        p->cs[i + 1] = p->cs[i] + p->chrome[i];
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        double lead;
        if (first < 0) {
            lead = page + w[W_GAP] * log1p_whole(n);
        } else if (i < first) {
            lead = (page + w[W_BEFORE]) + w[W_GAP] * log1p_whole(first - i);
        } else if (i <= end) {
            lead = (page + w[W_IN]) + w[W_GAP] * log_whole[0];
        } else {
            lead = (page + w[W_AFTER]) + w[W_GAP] * log1p_whole(i - end);
        }
        Py_ssize_t lo = i - 3 > 0 ? i - 3 : 0, hi = i + 4 < n ? i + 4 : n;
        double size = (double)(hi - lo);
        double blocks = lead + share;
        blocks = blocks + w[W_SHORT] * ((double)(p->ss[hi] - p->ss[lo]) / size);
        blocks = blocks + w[W_STOP] * ((p->st[hi] - p->st[lo]) / size);
        blocks = blocks + w[W_LINK] * ((p->cs[hi] - p->cs[lo]) / size);
        z[i] = z[i] + blocks;
    }
    /* The second pass (Scorer._second_pass, Scorer._context at the edges). */
    double page_share = w[C_PAGE_SHARE] * ((double)n_body / (double)n);
    for (Py_ssize_t i = 0; i < n; i++) {
        double c;
        if (n > 4 && i >= 2 && i < n - 2) {
            double a = z[i - 2], b = z[i - 1], m = z[i], d = z[i + 1], e = z[i + 2];
            double mean = ((((a + b) + m) + d) + e) / 5;
            double top = np_max(np_max(np_max(a, b), np_max(d, e)), m);
            double bottom = np_min(np_min(np_min(a, b), np_min(d, e)), m);
            c = w[BIAS2] + w[C_OWN] * m;
            c = c + w[C_PREVIOUS] * b;
            c = c + w[C_NEXT] * d;
            c = c + w[C_MEAN] * mean;
            c = c + (w[C_MAX] * top + w[C_MIN] * bottom);
        } else {
            Py_ssize_t lo = i - 2 > 0 ? i - 2 : 0, hi = i + 3 < n ? i + 3 : n;
            double before = i > 0 ? z[i - 1] : z[i], after = i + 1 < n ? z[i + 1] : z[i];
            double sum = 0.0, top = z[lo], bottom = z[lo];
            for (Py_ssize_t k = lo; k < hi; k++) {
                sum = sum + z[k];
                if (z[k] > top) top = z[k];
                if (z[k] < bottom) bottom = z[k];
            }
            c = w[BIAS2] + w[C_OWN] * z[i];
            c = c + w[C_PREVIOUS] * before;
            c = c + w[C_NEXT] * after;
            c = c + w[C_MEAN] * (sum / (double)(hi - lo));
            c = c + (w[C_MAX] * top + w[C_MIN] * bottom);
        }
        c = c + (i < first_body ? w[C_BEFORE_BODY] : 0.0);
        c = c + (i > last_body ? w[C_AFTER_BODY] : 0.0);
        c = c + page_share;
        c = c + (first < 0 ? 0.0 : i < first ? w[C_BEFORE] : i <= end ? w[C_IN] : w[C_AFTER]);
        p->second[i] = c;
    }
    return 0;
}

/* logits(known, min_body, weights[, bound]) -> each line's second-pass logit (a list), or None
 * with fewer than min_body prose lines: ``Scorer.logits`` on the memo rows ``known``; with a
 * bound, only (line, logit) of the lines at or above it. */
static PyObject *logits(PyObject *self, PyObject *args) {
    PyObject *known, *weights, *bound_of = Py_None;
    Py_ssize_t min_body;
    double w[N_WEIGHTS], bound = 0.0;
    if (!PyArg_ParseTuple(args, "O!nO|O", &PyList_Type, &known, &min_body, &weights, &bound_of))
        return NULL;
    int near = bound_of != Py_None;
    if (near) {
        bound = PyFloat_AsDouble(bound_of);
        if (bound == -1.0 && PyErr_Occurred()) return NULL;
    }
    if (read_doubles(weights, w, N_WEIGHTS, "weights") < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(known);
    if (n == 0) {
        if (min_body <= 0) return PyList_New(0);
        Py_RETURN_NONE;
    }
    Page p;
    if (page_alloc(&p, n) < 0) return NULL;
    PyObject **keys = PyMem_Malloc(sizeof(PyObject *) * (size_t)n);
    int ok = keys != NULL && read_rows(known, n, &p, keys) == 0 &&
             mark_repeated(keys, n, p.repeated) == 0;
    if (keys == NULL) PyErr_NoMemory();
    PyMem_Free(keys);
    if (!ok || score_page(&p, n, min_body, w)) {
        page_free(&p);
        if (!ok) return NULL;
        Py_RETURN_NONE;
    }
    PyObject *out = PyList_New(near ? 0 : n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        double c = p.second[i];
        if (near && !(c >= bound)) continue;
        PyObject *f = near ? Py_BuildValue("(nd)", i, c) : PyFloat_FromDouble(c);
        if (f == NULL || (near && PyList_Append(out, f) < 0)) {
            Py_XDECREF(f);
            Py_CLEAR(out);
            break;
        }
        if (near)
            Py_DECREF(f);
        else
            PyList_SET_ITEM(out, i, f);
    }
    page_free(&p);
    return out;
}

/* The language with the most stop words in total (a 32-bit field per language, in names'
 * order; the first on a tie: ``LineLanguages.pick``). -1 on an error. */
static Py_ssize_t pick(PyObject *total, Py_ssize_t n_langs) {
    Py_ssize_t best = 0;
    unsigned long long most = 0;
    for (Py_ssize_t k = 0; k < n_langs; k++) {
        PyObject *shift = PyLong_FromSsize_t(32 * k);
        PyObject *field = shift == NULL ? NULL : PyNumber_Rshift(total, shift);
        Py_XDECREF(shift);
        unsigned long long count = field == NULL ? (unsigned long long)-1
                                                 : PyLong_AsUnsignedLongLongMask(field);
        Py_XDECREF(field);
        if (count == (unsigned long long)-1 && PyErr_Occurred()) return -1;
        count &= 0xFFFFFFFFull;
        if (k == 0 || count > most) {
            best = k;
            most = count;
        }
    }
    return best;
}

/* The memo rows of n lines in language lang (a new list in *rows): each entry's if it holds
 * one in lang, rows_of's for the others (then kept in their entries). -1 on an error. */
static int rows_in(PyObject **ents, PyObject **lines, Py_ssize_t n, Py_ssize_t lang,
                   PyObject *rows_of, PyObject *name, PyObject **rows) {
    Py_CLEAR(*rows);
    PyObject *out = PyList_New(n), *want = PyList_New(0), *recs = PyList_New(0);
    PyObject *at = PyLong_FromSsize_t(lang);
    int ok = out != NULL && want != NULL && recs != NULL && at != NULL;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        PyObject *e = ents[i];
        long held = PyLong_AsLong(PyList_GET_ITEM(e, 2));
        if (held == lang) {
            PyList_SET_ITEM(out, i, Py_NewRef(PyList_GET_ITEM(e, 3)));
        } else {
            PyList_SET_ITEM(out, i, Py_NewRef(Py_None));
            ok = PyList_Append(want, lines[i]) == 0 &&
                 PyList_Append(recs, PyList_GET_ITEM(e, 1)) == 0;
        }
    }
    Py_ssize_t missing = ok ? PyList_GET_SIZE(want) : 0;
    PyObject *got = missing ? PyObject_CallFunctionObjArgs(rows_of, want, name, recs, NULL) : NULL;
    if (missing && got != NULL && (!PyList_Check(got) || PyList_GET_SIZE(got) != missing)) {
        PyErr_SetString(PyExc_ValueError, "rows_of: a list of one row per line");
        Py_CLEAR(got);
    }
    if (missing && got == NULL) ok = 0;
    for (Py_ssize_t i = 0, k = 0; ok && k < missing; i++) {
        if (PyList_GET_ITEM(out, i) != Py_None) continue;
        PyObject *row = PyList_GET_ITEM(got, k++), *e = ents[i];
        PyList_SetItem(out, i, Py_NewRef(row));
        PyList_SetItem(e, 2, Py_NewRef(at));
        PyList_SetItem(e, 3, Py_NewRef(row));
    }
    Py_XDECREF(got);
    Py_XDECREF(want);
    Py_XDECREF(recs);
    Py_XDECREF(at);
    if (!ok) {
        Py_XDECREF(out);
        return -1;
    }
    *rows = out;
    return 0;
}

/* drop(text, entries, rows_of, names, weights, min_lines, min_body, bound, threshold) -> the
 * indices of the lines of text kept, or None when none goes: ``drop_chrome``'s passes, until
 * a pass drops nothing. entries: line_words' (each line's stop words per language, a 32-bit
 * field per language of names; its words; its memo row in a language); rows_of(lines,
 * language, records): memo rows in that language (``Scorer._known``) of the lines whose entry
 * has none, asked again only when the page's language changes. A line goes when its logit is
 * at least bound and its probability (``_sigmoid``, libm's exp as math.exp) at least
 * threshold. */
static PyObject *drop(PyObject *self, PyObject *args) {
    PyObject *text, *entries, *rows_of, *names, *weights;
    Py_ssize_t min_lines, min_body;
    double bound, threshold, w[N_WEIGHTS];
    if (!PyArg_ParseTuple(args, "O!O!OO!Onndd", &PyList_Type, &text, &PyList_Type, &entries,
                          &rows_of, &PyTuple_Type, &names, &weights, &min_lines, &min_body,
                          &bound, &threshold))
        return NULL;
    if (read_doubles(weights, w, N_WEIGHTS, "weights") < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(text), n_langs = PyTuple_GET_SIZE(names);
    if (PyList_GET_SIZE(entries) != n || n_langs == 0) {
        PyErr_SetString(PyExc_ValueError, "entries: one per line; names: one at least");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PyList_GET_ITEM(entries, i);
        if (!PyList_Check(e) || PyList_GET_SIZE(e) != 4) {
            PyErr_SetString(PyExc_ValueError, "an entry is line_words'");
            return NULL;
        }
    }
    Page p;
    if (page_alloc(&p, n ? n : 1) < 0) return NULL;
    /* Per line left: its str, key and entry (borrowed: text, rows and entries hold them) and
     * its index in text. */
    PyObject **lines = PyMem_Malloc(sizeof(PyObject *) * (size_t)(4 * n + 1));
    Py_ssize_t *index = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(n + 1));
    PyObject *total = PyLong_FromLong(0), *rows = NULL, *out = NULL;
    int ok = lines != NULL && index != NULL && total != NULL, dropped = 0;
    if (lines == NULL || index == NULL) PyErr_NoMemory();
    PyObject **keys = ok ? lines + n : NULL, **counts = ok ? lines + 2 * n : NULL;
    PyObject **ents = ok ? lines + 3 * n : NULL;
    for (Py_ssize_t i = 0; ok && i < n; i++) {
        lines[i] = PyList_GET_ITEM(text, i);
        ents[i] = PyList_GET_ITEM(entries, i);
        counts[i] = PyList_GET_ITEM(ents[i], 0);
        index[i] = i;
        PyObject *sum = PyNumber_Add(total, counts[i]);
        Py_SETREF(total, sum);
        ok = total != NULL;
    }
    Py_ssize_t lang = -1;
    while (ok && n >= min_lines) {
        Py_ssize_t best = pick(total, n_langs);
        if (best < 0) {
            ok = 0;
            break;
        }
        if (best != lang) {
            if (rows_in(ents, lines, n, best, rows_of, PyTuple_GET_ITEM(names, best), &rows) < 0 ||
                read_rows(rows, n, &p, keys) < 0) {
                ok = 0;
                break;
            }
            lang = best;
        }
        if (mark_repeated(keys, n, p.repeated) < 0) {
            ok = 0;
            break;
        }
        if (score_page(&p, n, min_body, w)) break;
        /* The lines kept moved up in every column, the dropped ones' counts taken off the
         * total (whole numbers: the same sum as the lines left's). */
        Py_ssize_t m = 0;
        for (Py_ssize_t i = 0; ok && i < n; i++) {
            double z = p.second[i];
            if (z >= bound && (z > -700 ? 1.0 / (1.0 + exp(-z)) : 0.0) >= threshold) {
                PyObject *less = PyNumber_Subtract(total, counts[i]);
                Py_SETREF(total, less);
                ok = total != NULL;
                continue;
            }
            p.part[m] = p.part[i];
            p.words[m] = p.words[i];
            p.stop[m] = p.stop[i];
            p.chrome[m] = p.chrome[i];
            p.body[m] = p.body[i];
            p.is_short[m] = p.is_short[i];
            lines[m] = lines[i];
            ents[m] = ents[i];
            keys[m] = keys[i];
            counts[m] = counts[i];
            index[m] = index[i];
            m++;
        }
        if (m == n) break;
        n = m;
        dropped = 1;
    }
    if (ok && !dropped) out = Py_NewRef(Py_None);
    if (ok && dropped) {
        out = PyList_New(n);
        for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
            PyObject *at = PyLong_FromSsize_t(index[i]);
            if (at == NULL) {
                Py_CLEAR(out);
                break;
            }
            PyList_SET_ITEM(out, i, at);
        }
    }
    Py_XDECREF(rows);
    Py_XDECREF(total);
    PyMem_Free(lines);
    PyMem_Free(index);
    page_free(&p);
    return out;
}

/* How many of a str's characters are linemeasures._CJK's (kana, ideographs); -1 if not a str. */
static Py_ssize_t cjk_in(PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text must be str or a list of str");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
    int kind = PyUnicode_KIND(text);
    const void *s = PyUnicode_DATA(text);
    if (kind != PyUnicode_1BYTE_KIND)
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, s, i);
            count += (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x9FFF) ||
                     (c >= 0xF900 && c <= 0xFAFF);
        }
    return count;
}

/* cjk_count(text) -> how many of its characters are linemeasures._CJK's; text a str or a list
 * of str (lines: the count of their join, without joining them). */
static PyObject *cjk_count(PyObject *self, PyObject *text) {
    if (!PyList_Check(text)) {
        Py_ssize_t count = cjk_in(text);
        return count < 0 ? NULL : PyLong_FromSsize_t(count);
    }
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(text); i++) {
        Py_ssize_t count = cjk_in(PyList_GET_ITEM(text, i));
        if (count < 0) return NULL;
        total += count;
    }
    return PyLong_FromSsize_t(total);
}

static PyMethodDef methods[] = {
    {"cjk_count", cjk_count, METH_O, "How many kana and ideographs a text (or lines) holds."},
    {"line_fields", line_fields, METH_VARARGS, "_line's measures of lines without CJK."},
    {"line_rows", line_rows, METH_VARARGS, "Scorer's memo rows of lines without CJK."},
    {"logits", logits, METH_VARARGS, "One scoring pass over a page's memo rows."},
    {"packed_lines", packed_lines, METH_VARARGS, "Lines' stop words, packed and remembered."},
    {"known_rows", known_rows, METH_VARARGS, "Lines' memo rows, remembered."},
    {"drop", drop, METH_VARARGS, "drop_chrome's passes: the lines kept, or None."},
    {"line_words", line_words, METH_VARARGS, "Lines' stop words per language, remembered."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastlines", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fastlines(void) {
    for (int k = 0; k < N_LOG; k++) {
        log_whole[k] = log1p((double)k);
        log_quarter[k] = log1p((double)k / 4);
    }
    return PyModule_Create(&module);
}
