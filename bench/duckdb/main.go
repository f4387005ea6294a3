// Command duckdb is the DuckDB side of `make bench-peers` (issue #6): it profiles a CSV file with
// DuckDB's SUMMARIZE, the fastest general-purpose profiler a user could pick instead of driftwatch,
// and prints the elapsed seconds. It lives in its own Go module (bench/go.mod) so that the product
// binary stays cgo-free and small; nothing in the product imports it.
//
//	duckdb -threads 2 FILE.csv                          SET threads=2; SUMMARIZE SELECT * FROM read_csv_auto('FILE.csv')
//	duckdb -threads 2 -to-parquet OUT.parquet FILE.csv  COPY (SELECT * FROM read_csv_auto('FILE.csv')) TO 'OUT.parquet'
//
// The output is one line, "elapsed SECONDS rows N" (N = rows of the SUMMARIZE result, one per
// column), preceded by the summary itself with -v.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
)

func main() {
	threads := flag.Int("threads", 0, "DuckDB worker threads (SET threads=N); 0 keeps DuckDB's default (all cores)")
	toParquet := flag.String("to-parquet", "", "instead of SUMMARIZE, write the CSV as Parquet to this path")
	verbose := flag.Bool("v", false, "print the SUMMARIZE result")
	version := flag.Bool("version", false, "print DuckDB's version and exit")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: duckdb [-threads N] [-v] [-to-parquet OUT] FILE.csv | duckdb -version")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *version {
		if err := printVersion(); err != nil {
			fmt.Fprintln(os.Stderr, "duckdb:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *threads, *toParquet, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "duckdb:", err)
		os.Exit(1)
	}
}

func printVersion() error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT version()").Scan(&v); err != nil {
		return err
	}
	fmt.Println("duckdb", v)
	return nil
}

// quote makes a single-quoted SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func run(file string, threads int, toParquet string, verbose bool) error {
	start := time.Now()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "") // in-memory database
	if err != nil {
		return err
	}
	defer db.Close()
	// One pinned connection, so that SET applies to the connection that runs the query.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if threads > 0 {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET threads=%d", threads)); err != nil {
			return err
		}
	}
	src := "SELECT * FROM read_csv_auto(" + quote(file) + ")"
	if toParquet != "" {
		if _, err := conn.ExecContext(ctx, "COPY ("+src+") TO "+quote(toParquet)+" (FORMAT parquet)"); err != nil {
			return err
		}
		fmt.Printf("elapsed %.3f wrote %s\n", time.Since(start).Seconds(), toParquet)
		return nil
	}
	rows, err := conn.QueryContext(ctx, "SUMMARIZE "+src)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	if verbose {
		fmt.Println(strings.Join(cols, "\t"))
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		n++
		if verbose {
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = fmt.Sprint(v)
			}
			fmt.Println(strings.Join(parts, "\t"))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Printf("elapsed %.3f rows %d\n", time.Since(start).Seconds(), n)
	return nil
}
