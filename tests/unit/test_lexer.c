/* SPDX-License-Identifier: MIT */
/*
 * test_lexer.c - one token at a time, per dialect.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "zdm/lexer.h"

static enum zdm_tk first(enum zdm_dialect d, const char *s, size_t *len)
{
	enum zdm_tk k;
	*len = zdm_lexer_token(d, s, strlen(s), 1, &k, NULL);
	return k;
}

Test(lexer, dollar_quote_with_tag)
{
	size_t n;
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "$fn$ a $$ b $fn$ x", &n), ZDM_TK_STRING);
	cr_expect_eq(n, 16);
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "$1 + 2", &n), ZDM_TK_PARAM);
	cr_expect_eq(n, 2);
}

Test(lexer, escape_string_honours_backslash)
{
	size_t n;
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "E'a\\'b' c", &n), ZDM_TK_STRING);
	cr_expect_eq(n, 7);
	/* A plain string does not: standard_conforming_strings is on. */
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "'a\\' c", &n), ZDM_TK_STRING);
	cr_expect_eq(n, 4);
}

Test(lexer, nested_block_comment_in_postgres_only)
{
	size_t n;
	const char *s = "/* a /* b */ c */ d";
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, s, &n), ZDM_TK_COMMENT);
	cr_expect_eq(n, 17);
	cr_expect_eq(first(ZDM_DIALECT_SQLITE, s, &n), ZDM_TK_COMMENT);
	cr_expect_eq(n, 12);
}

Test(lexer, identifiers_quoted_per_dialect)
{
	size_t n;
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "\"a\"\"b\" x", &n), ZDM_TK_QUOTED_ID);
	cr_expect_eq(n, 6);
	cr_expect_eq(first(ZDM_DIALECT_MYSQL, "`a b` x", &n), ZDM_TK_QUOTED_ID);
	cr_expect_eq(first(ZDM_DIALECT_MYSQL, "\"str\" x", &n), ZDM_TK_STRING);
	cr_expect_eq(first(ZDM_DIALECT_SQLITE, "[a b] x", &n), ZDM_TK_QUOTED_ID);
	cr_expect_eq(n, 5);
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "[1]", &n), ZDM_TK_OP);
}

Test(lexer, psql_meta_command_runs_to_end_of_line)
{
	size_t n;
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "\\set x 1\nSELECT", &n), ZDM_TK_META);
	cr_expect_eq(n, 8);
}

Test(lexer, unterminated_string_is_illegal_to_the_end)
{
	size_t n;
	enum zdm_tk k;
	const char *open;
	const char *s = "'abc";
	n = zdm_lexer_token(ZDM_DIALECT_POSTGRES, s, 4, 1, &k, &open);
	cr_expect_eq(k, ZDM_TK_ILLEGAL);
	cr_expect_eq(n, 4);
	cr_expect_str_eq(open, "'");
}

Test(lexer, mysql_hash_comment_and_variables)
{
	size_t n;
	cr_expect_eq(first(ZDM_DIALECT_MYSQL, "# c\nx", &n), ZDM_TK_COMMENT);
	cr_expect_eq(n, 3);
	cr_expect_eq(first(ZDM_DIALECT_MYSQL, "@@foreign_key_checks=0", &n), ZDM_TK_PARAM);
	cr_expect_eq(n, 20);
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "# c", &n), ZDM_TK_OP);
}

Test(lexer, never_reads_past_the_length)
{
	/* The buffer is not NUL-terminated where the length ends. */
	const char buf[] = { '$', 'a', '$', 'x', '$', 'a' };
	enum zdm_tk k;
	size_t n = zdm_lexer_token(ZDM_DIALECT_POSTGRES, buf, sizeof buf, 1, &k, NULL);
	cr_expect_eq(k, ZDM_TK_ILLEGAL);
	cr_expect_eq(n, sizeof buf);
	cr_expect_eq(zdm_lexer_token(ZDM_DIALECT_POSTGRES, buf, 0, 1, &k, NULL), 0);
}

Test(lexer, numbers_and_dots)
{
	size_t n;
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "1.5e10 x", &n), ZDM_TK_NUMBER);
	cr_expect_eq(n, 6);
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, ".5", &n), ZDM_TK_NUMBER);
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, ".x", &n), ZDM_TK_DOT);
	cr_expect_eq(first(ZDM_DIALECT_POSTGRES, "0x1F", &n), ZDM_TK_NUMBER);
	cr_expect_eq(n, 4);
}
