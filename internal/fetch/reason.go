package fetch

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// Reason says in one line why a fetch failed and what to check.
func Reason(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg := ae.ErrorCode(), clip(ae.ErrorMessage(), 200)
		switch code {
		case "NotFoundException", "ResourceNotFoundException":
			return fmt.Sprintf("app or domain not found (%s: %s); check the appId:domain pairs of AmplifyApps and the stack's region", code, msg)
		case "UnauthorizedException", "AccessDeniedException":
			return fmt.Sprintf("access denied (%s: %s); the fetch role needs amplify:GenerateAccessLogs on this app", code, msg)
		case "LimitExceededException", "ThrottlingException", "TooManyRequestsException":
			return fmt.Sprintf("throttled by Amplify after retries (%s: %s)", code, msg)
		case "InternalFailureException", "DependentServiceFailureException":
			return fmt.Sprintf("Amplify failed (%s: %s)", code, msg)
		}
		return fmt.Sprintf("Amplify refused the request (%s: %s)", code, msg)
	}
	var de *DownloadError
	if errors.As(err, &de) {
		if de.Status == 403 {
			return de.Error() + "; the presigned log URL was refused (it expires soon after GenerateAccessLogs answers)"
		}
		return de.Error()
	}
	return err.Error()
}
