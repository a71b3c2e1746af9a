module github.com/studioflow/studioflow/adapters/twilio

go 1.25.0

require (
	github.com/beevik/etree v1.1.0
	github.com/stretchr/testify v1.11.1
	github.com/studioflow/studioflow v0.0.0
	github.com/twilio/twilio-go v1.31.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/golang/mock v1.6.0 // indirect
	github.com/osteele/tuesday v1.1.1 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	golang.org/x/sync v0.19.0 // indirect
	golang.org/x/text v0.34.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/studioflow/studioflow => ../..
