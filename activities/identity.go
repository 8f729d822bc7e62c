package activities

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// maxMatchRecords bounds what an http export is read for, in a search.
const maxMatchRecords = 10_000

// SearchIdentifiers searches the controller's postgres and http datasets
// for each identifier of a person (normalised, by kind), and for the rows
// that hold the e-mail address together with each other identifier: a
// postgres dataset by a count of the rows that hold both, an http one by
// the records its export gives for each, compared. Nothing is changed and
// nothing is kept. key names the search for the http systems' calls.
func (s *Systems) SearchIdentifiers(ctx context.Context, systems []policy.System, ids map[string]string, key string) connectors.Search {
	var out connectors.Search
	email := ids["email"]
	for _, sys := range systems {
		var find func(ds policy.Dataset, kinds map[string]string, all bool) (int64, error)
		switch sys.Kind {
		case "postgres":
			conn, err := s.postgres(ctx, sys.ID)
			if err != nil {
				out.Unreachable = append(out.Unreachable, sys.Name)
				continue
			}
			find = func(ds policy.Dataset, kinds map[string]string, all bool) (int64, error) {
				who := connectors.Subject{Identifiers: kinds}
				var r connectors.Result
				var err error
				if all {
					r, err = conn.FindAll(ctx, ds, who)
				} else {
					r, err = conn.Find(ctx, ds, who)
				}
				return r.Rows, err
			}
		case "http":
			conn, err := s.http(sys)
			if err != nil {
				out.Unreachable = append(out.Unreachable, sys.Name)
				continue
			}
			records := map[string][]string{}
			export := func(ds policy.Dataset, kind, value string) ([]string, error) {
				if got, ok := records[ds.ID+"/"+kind]; ok {
					return got, nil
				}
				var got []string
				who := connectors.Subject{Identifiers: map[string]string{kind: value}, Key: key + "/" + sys.ID + "/" + ds.ID + "/match/" + kind}
				_, err := conn.Export(ctx, ds, who, func(row connectors.Row) error {
					if len(got) >= maxMatchRecords {
						return nil
					}
					b, err := json.Marshal(row) // map keys sorted: the same record, the same text
					got = append(got, string(b))
					return err
				})
				records[ds.ID+"/"+kind] = got
				return got, err
			}
			find = func(ds policy.Dataset, kinds map[string]string, all bool) (int64, error) {
				var sets [][]string
				for kind, value := range kinds {
					got, err := export(ds, kind, value)
					if err != nil {
						return 0, err
					}
					sets = append(sets, got)
				}
				if !all || len(sets) == 1 {
					return int64(len(sets[0])), nil
				}
				var n int64
				for _, r := range sets[0] {
					if slices.Contains(sets[1], r) {
						n++
					}
				}
				return n, nil
			}
		default:
			continue // manual: people search it
		}
		failed := false
		for _, ds := range sys.Datasets {
			for _, kind := range slices.Sorted(maps.Keys(ids)) {
				if _, keyed := ds.Keys[kind]; !keyed || failed {
					continue
				}
				n, err := find(ds, map[string]string{kind: ids[kind]}, false)
				if err != nil && !errors.Is(err, connectors.ErrNoIdentifier) {
					failed = true
					continue
				}
				if n > 0 {
					out.Found = append(out.Found, connectors.Found{System: sys.ID, SystemName: sys.Name, Dataset: ds.ID, DatasetName: ds.Name, Kind: kind, Rows: n})
				}
				if kind == "email" || email == "" {
					continue
				}
				if _, keyed := ds.Keys["email"]; !keyed {
					continue
				}
				n, err = find(ds, map[string]string{"email": email, kind: ids[kind]}, true)
				if err != nil && !errors.Is(err, connectors.ErrNoIdentifier) {
					failed = true
					continue
				}
				if n > 0 {
					out.Together = append(out.Together, connectors.Found{System: sys.ID, SystemName: sys.Name, Dataset: ds.ID, DatasetName: ds.Name, Kind: kind, Rows: n})
				}
			}
		}
		if failed {
			out.Unreachable = append(out.Unreachable, sys.Name)
		}
	}
	return out
}
