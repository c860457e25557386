/* SPDX-License-Identifier: MIT */
/*
 * shell.h - a POSIX shell tokenizer and a flat command parser for the guard.
 *
 * The guard has to know what a Bash command really runs, so it tokenizes
 * the command the way the shell does: single and double quotes, $'...',
 * backslash escapes, adjacent quoted words, comments, operators,
 * redirections with heredoc bodies, $(...), `...` and ${...}.  Nothing is
 * executed and nothing is expanded: an expansion stays in the word as
 * written and is listed with its position, so that a caller can tell
 * literal text from text only known at run time.
 *
 * The parser turns the tokens into a flat list of simple commands (argv,
 * redirections, how each one connects to the next, and which commands
 * feed its standard input through a pipe).  Compound commands (if, while,
 * for, case, subshells, brace groups) are flattened: their keywords are
 * dropped and the commands inside are listed in order.
 *
 * Neither the tokenizer nor the parser fails on odd input: an unterminated
 * quote runs to the end of the input and is noted in the result's error
 * fields, so that the guard can still judge what it sees.  All strings
 * live in the result's arena and are freed with it.
 */
#ifndef ZDM_GUARD_SHELL_H
#define ZDM_GUARD_SHELL_H

#include <stddef.h>

#include "zdm/error.h"
#include "zdm/util.h"

/* Nesting bound for $(...) inside $(...) and the like. */
#define ZDM_SH_MAX_DEPTH 32

/* Flags for zdm_sh_lex() / zdm_sh_parse(). */
enum {
	ZDM_SH_POWERSHELL = 1u << 0, /* backtick escapes, @'...'@ here-strings */
};

enum zdm_sh_tk {
	ZDM_SH_WORD,
	ZDM_SH_OP,      /* newline ; ;; ;& ;;& & && | || |& ( ) */
	ZDM_SH_REDIR,   /* < > >> << <<- <<< <& >& <> >| &> &>> */
};

enum zdm_sh_exp_kind {
	ZDM_SH_PARAM,   /* $x ${x} $1 $@ $env:x */
	ZDM_SH_CMDSUB,  /* $(...) or `...` */
	ZDM_SH_ARITH,   /* $((...)) */
	ZDM_SH_PROCSUB, /* <(...) >(...) */
};

/* One expansion inside a word's text, kept as written. */
struct zdm_sh_exp {
	enum zdm_sh_exp_kind kind;
	size_t off, len;     /* within the word's text */
	const char *inner;   /* CMDSUB, PROCSUB: the command inside */
	int quoted;          /* inside double quotes */
};

/* Word flags. */
enum {
	ZDM_SH_W_QUOTED = 1u << 0, /* some part was quoted or escaped */
	ZDM_SH_W_GLOB   = 1u << 1, /* an unquoted * ? or [ */
	ZDM_SH_W_TILDE  = 1u << 2, /* starts with an unquoted ~ */
};

struct zdm_sh_word {
	const char *text;    /* quotes removed, escapes resolved; NUL-terminated */
	size_t len;
	const struct zdm_sh_exp *exps;
	size_t nexps;
	unsigned flags;
};

struct zdm_sh_token {
	enum zdm_sh_tk kind;
	size_t off, len;     /* in the source */
	char op[4];          /* OP, REDIR: the operator ("\n" for a newline) */
	int fd;              /* REDIR: the explicit descriptor, or -1 */
	struct zdm_sh_word word;  /* WORD: the word; REDIR << <<-: the heredoc body */
	int heredoc_quoted;  /* REDIR << <<-: the delimiter was quoted (literal body) */
};

/* Error flags of a tokenized input (not failures: the tokens are usable). */
enum {
	ZDM_SH_E_QUOTE   = 1u << 0, /* unterminated quote or substitution */
	ZDM_SH_E_HEREDOC = 1u << 1, /* heredoc without its delimiter line */
	ZDM_SH_E_DEPTH   = 1u << 2, /* nesting deeper than ZDM_SH_MAX_DEPTH */
};

struct zdm_sh_tokens {
	struct zdm_sh_token *items;
	size_t count, cap;
	unsigned errors;     /* ZDM_SH_E_* */
	struct zdm_arena arena;
};

#define ZDM_SH_TOKENS_INIT { NULL, 0, 0, 0, ZDM_ARENA_INIT }

/*
 * Tokenize src[0..len).  Never fails: odd input sets bits in out->errors.
 * The caller releases out with zdm_sh_tokens_release().
 */
void zdm_sh_lex(const char *src, size_t len, unsigned flags,
		struct zdm_sh_tokens *out);
void zdm_sh_tokens_release(struct zdm_sh_tokens *t);

/* ---- commands -------------------------------------------------------- */

enum zdm_sh_redir_kind {
	ZDM_SH_R_IN,         /* <  */
	ZDM_SH_R_OUT,        /* >  >| &> */
	ZDM_SH_R_APPEND,     /* >> &>> */
	ZDM_SH_R_HEREDOC,    /* << <<- */
	ZDM_SH_R_HERESTRING, /* <<< */
	ZDM_SH_R_DUP,        /* <& >& */
	ZDM_SH_R_INOUT,      /* <> */
};

struct zdm_sh_redir {
	enum zdm_sh_redir_kind kind;
	int fd;                          /* the descriptor it applies to */
	const struct zdm_sh_word *target; /* file, delimiter or string; may be NULL */
	const struct zdm_sh_word *body;   /* heredoc body */
	int literal;                     /* heredoc with a quoted delimiter */
};

/* How a command connects to the one after it. */
enum zdm_sh_conn {
	ZDM_SH_SEQ,   /* ; newline, end */
	ZDM_SH_AND,   /* && */
	ZDM_SH_OR,    /* || */
	ZDM_SH_PIPE,  /* | |& */
	ZDM_SH_BG,    /* & */
};

struct zdm_sh_cmd {
	const struct zdm_sh_word **argv;  /* assignments first, then the words */
	size_t argc;
	size_t nassign;                   /* leading VAR=value words */
	struct zdm_sh_redir *redirs;
	size_t nredirs;
	int pipe_first, pipe_last;        /* commands whose output is this one's
	                                     standard input, or -1 */
	enum zdm_sh_conn conn;
	int depth;                        /* subshell / group nesting */
	int sub;                          /* innermost ( ... ) subshell, 0: none;
	                                     cd inside one does not leak out */
	int loop;                         /* innermost for loop around it, or -1 */
};

/* for NAME in WORDS; do ... done */
struct zdm_sh_loop {
	const char *var;
	const struct zdm_sh_word **words;
	size_t nwords;
	int has_in;                       /* "in" was given (else "$@") */
};

struct zdm_sh_script {
	struct zdm_sh_tokens toks;
	struct zdm_sh_cmd *cmds;
	size_t ncmds;
	int *sub_parent;                  /* sub_parent[k]: the subshell around k */
	size_t nsubs;                     /* subshells + 1 (0 is the top level) */
	struct zdm_sh_loop *loops;
	size_t nloops;
};

#define ZDM_SH_SCRIPT_INIT { ZDM_SH_TOKENS_INIT, NULL, 0, NULL, 0, NULL, 0 }

/*
 * Tokenize and parse src[0..len) into simple commands.  Never fails; see
 * out->toks.errors.  The caller releases out with zdm_sh_script_release().
 */
void zdm_sh_parse(const char *src, size_t len, unsigned flags,
		  struct zdm_sh_script *out);
void zdm_sh_script_release(struct zdm_sh_script *s);

/* True when the word has no expansions (its text is what the shell sees). */
int zdm_sh_word_static(const struct zdm_sh_word *w);

/* True when w is a VAR=value assignment word. */
int zdm_sh_word_is_assign(const struct zdm_sh_word *w);

#endif
