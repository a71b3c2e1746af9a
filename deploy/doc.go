// Package deploy fills the deployment placeholders of a flow for one
// environment and maps the account-specific ids it holds to that
// environment's, so that one flow kept in version control deploys to
// development, staging and production alike (flowrun env).
//
// # Placeholders
//
// A placeholder is "${" NAME "}" inside any string of a definition, where
// NAME is one or more letters, digits and "_", "-", ".", ":" or "/". Real
// exports carry two forms:
//
//   - ${NAME}: a plain variable, such as ${REGION}, ${ACCT_ID},
//     ${WORKFLOW_SID} or ${armorvox-twilio-connector-host};
//   - ${K:name:K}: the pipeline form of Connect deployments, where K says
//     what the name stands for (F a flow, M a flow module, Q a queue, P a
//     prompt), such as ${F:acme_queue_transfer_AUTO:F}.
//
// The name of a placeholder is what stands between the braces, whole:
// "REGION", "F:acme_queue_transfer_AUTO:F". "${{" (a dollar sign before a
// Liquid output) and "$.Attributes.x" (a Connect reference) are not
// placeholders.
//
// # Variables
//
// An environment's variables are a JSON file (ReadVars):
//
//	{
//	  "values": {"REGION": "eu-west-2", "F:acme_queue_transfer_AUTO:F": "5f0c..."},
//	  "ids": {"WW0123456789abcdef0123456789abcdef": "WWfedcba9876543210fedcba9876543210",
//	          "arn:aws:lambda:us-east-1:111111111111:function:lookup": "arn:aws:lambda:eu-west-2:222222222222:function:lookup"}
//	}
//
// "values" fill placeholders by name. "ids" map an id of the account the
// flow was exported from (a Twilio function, service, environment,
// workflow or queue sid: ZH..., ZS..., ZE..., WW..., WQ...; a Connect ARN)
// to this environment's, wherever it stands: as a whole string or inside
// one (a URL, an ARN). An id is replaced only where neither side of it
// touches a letter or digit, so WW12 never rewrites part of WW123; where
// several ids match at one place the longest wins. Both objects are
// optional; any other key, a value that is not a string and an empty
// name are refused.
//
// # Filling
//
// Fill returns a new definition with the values filled and the ids
// mapped; the definition given is never modified. Every other byte stays
// as it was: a property is rewritten only where one of its strings
// changes, and then only that string is re-encoded, so a Connect document
// still goes back through flow/connect.Marshal. A placeholder without a
// value is an error that lists every one left (an *UnfilledError): a
// flow with a placeholder left is never written.
package deploy
