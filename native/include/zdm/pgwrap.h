/* SPDX-License-Identifier: MIT */
/*
 * pgwrap.h - libpg_query's parse tree handed over before it is packed.
 */
#ifndef ZDM_PGWRAP_H
#define ZDM_PGWRAP_H

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

/*
 * pg_query_parse_protobuf(sql) into *r, but with fn called on the tree
 * (with arg) where libpg_query would pack it: the tree lives only during
 * that call (fn may parse again: calls nest).  On a syntax error fn sees
 * no statements and r->error says why.  Returns 1 when fn was called, 0
 * when the binary was linked without the wraps (r->parse_tree then holds
 * the packed tree).  Free *r with pg_query_free_protobuf_parse_result().
 */
int zdm_pg_parse_tap(const char *sql, void (*fn)(const PgQuery__ParseResult *tree, void *arg),
		     void *arg, PgQueryProtobufParseResult *r);

#endif
