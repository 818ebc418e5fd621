#ifndef GENIE_CNCURSES_SHIM_H
#define GENIE_CNCURSES_SHIM_H
// SwiftPM does not pass pkg-config's -D flags: ask for the wide-character API here.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>
#include <ncursesw/ncurses.h>
#include <ncursesw/term.h>

// Swift 6 rejects C globals and does not import function-like macros: wrap them.
static inline WINDOW *genie_stdscr(void) { return stdscr; }
static inline int genie_colors(void) { return COLORS; }
static inline int genie_color_pairs(void) { return COLOR_PAIRS; }
static inline int genie_lines(void) { return LINES; }
static inline int genie_cols(void) { return COLS; }
static inline int genie_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int genie_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline attr_t genie_a_bold(void) { return A_BOLD; }
static inline attr_t genie_a_reverse(void) { return A_REVERSE; }
static inline attr_t genie_a_normal(void) { return A_NORMAL; }
static inline int genie_key_resize(void) { return KEY_RESIZE; }
static inline int genie_err(void) { return ERR; }

/// Draws one cell holding `ch` with an extended colour pair (pairs above 255 travel
/// through the opts pointer, which COLOR_PAIR() cannot carry).
static inline int genie_put_cell(WINDOW *w, int y, int x, const wchar_t *ch, int pair, attr_t attrs) {
    cchar_t cell;
    setcchar(&cell, ch, attrs, 0, &pair);
    return mvwadd_wch(w, y, x, &cell);
}
/// Sets the attributes and an extended colour pair for the text that follows.
static inline int genie_attr_set(WINDOW *w, attr_t attrs, int pair) {
    return wattr_set(w, attrs, 0, &pair);
}
/// Whether the current terminal's terminfo entry has the RGB (direct colour) capability.
static inline int genie_has_rgb(void) { return tigetflag((char *)"RGB") > 0; }
/// Whether the current terminal's terminfo entry has string capability `name`.
static inline int genie_has_string(const char *name) {
    char *s = tigetstr((char *)name);
    return s != NULL && s != (char *)-1;
}
/// Whether the terminfo entry `term` has boolean capability `cap` (RGB, Tc): 1 yes, 0 no,
/// -1 no such entry. Loads the entry on the side and restores the current terminal.
static inline int genie_entry_flag(const char *term, const char *cap) {
    TERMINAL *saved = cur_term;
    int error = 0;
    if (setupterm((char *)term, STDOUT_FILENO, &error) != OK) { set_curterm(saved); return -1; }
    int value = tigetflag((char *)cap) > 0;
    TERMINAL *loaded = cur_term;
    set_curterm(saved);
    del_curterm(loaded);
    return value;
}
/// Crash signals whose default handling would leave the terminal in curses mode.
static const int genie_crash_signals[] = {SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE};
#define GENIE_CRASH_SIGNAL_COUNT (sizeof(genie_crash_signals) / sizeof(int))

/// What handled each crash signal before (a function-local static: this module has no .c
/// file to hold a global; only Screen.swift installs the handler, so one copy is used).
static inline struct sigaction *genie_previous_actions(void) {
    static struct sigaction previous[GENIE_CRASH_SIGNAL_COUNT];
    return previous;
}

static inline void genie_crash_handler(int signal_number) {
    endwin();  // not async-signal-safe, but the process is ending: give the user a working terminal
    for (unsigned i = 0; i < GENIE_CRASH_SIGNAL_COUNT; i++) {
        if (genie_crash_signals[i] == signal_number) sigaction(signal_number, &genie_previous_actions()[i], NULL);
    }
    raise(signal_number);  // delivered to the previous handler (Swift's backtracer, or the default) on return
}

/// Ends curses before a crash is reported, keeping what handled the signal before.
static inline void genie_end_curses_on_crash(void) {
    static int installed = 0;
    if (installed) return;  // once: a second install would chain to itself
    installed = 1;
    for (unsigned i = 0; i < GENIE_CRASH_SIGNAL_COUNT; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = genie_crash_handler;
        sigemptyset(&action.sa_mask);
        sigaction(genie_crash_signals[i], &action, &genie_previous_actions()[i]);
    }
}
#endif
