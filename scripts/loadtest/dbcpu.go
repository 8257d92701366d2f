package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go runs on).
const clockTick = 10 * time.Millisecond

// dbCPU is the CPU time used so far by the Postgres backends connected to
// the load test's database (the server's and this program's), read from
// /proc, so a comparison on Postgres counts the database's side of each
// request too. It is 0 on SQLite and wherever /proc does not show the
// backends (a remote server): then only this process is counted.
func (e *env) dbCPU() time.Duration {
	if e.engine != sqlstore.EnginePostgres {
		return 0
	}
	pg := e.db.Pools()["postgres"]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := pg.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		return 0
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return 0
		}
		total += procCPU(pid)
	}
	return total
}

// procCPU is utime+stime of one process, 0 when it cannot be read.
func procCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may hold spaces: fields
	// are counted after the last ')'. utime and stime are fields 14 and 15.
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * clockTick
}
