module github.com/jwtpair/jwt/deploy/server

go 1.26.0

replace (
	github.com/jwtpair/jwt => ../..
	github.com/jwtpair/jwt/redisstore => ../../redisstore
	github.com/jwtpair/jwt/sqlstore => ../../sqlstore
)

require (
	github.com/go-sql-driver/mysql v1.10.2
	github.com/jackc/pgx/v5 v5.13.0
	github.com/jwtpair/jwt v0.0.0
	github.com/jwtpair/jwt/redisstore v0.0.0
	github.com/jwtpair/jwt/sqlstore v0.0.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
