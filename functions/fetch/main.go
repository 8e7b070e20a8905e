// Command fetch is the scheduled Lambda that brings logs into the bucket: each
// configured Amplify app's access logs since the last fetch, and yesterday's
// digest manifest of CloudFront and ALB logs. The logic is internal/fetch.
package main

import "github.com/logsift/logsift/internal/awsenv"

func main() { awsenv.StartFetch() }
