#!/usr/bin/env bash
# A CI/CD step right after a deploy: verify it with the post-deploy playbook, keep the
# record and the report where the team keeps records (S3), read the run summary, and act
# on the exit code:
#   0  the deploy is healthy
#   2  a check failed: roll back (then fail the pipeline), also when the record could
#      not be stored (6) but the summary says a check failed
#   4  the data source was unavailable (throttled, timed out): retry this step (exit 75)
#   *  the verification itself could not run: fail the pipeline, do not roll back blindly
#
# Environment (from the CI system):
#   DEPLOY_TIME      when the deploy finished (RFC 3339), e.g. from the deploy job
#   SERVICE          the service deployed
#   RECORDS_BUCKET   the S3 bucket for records and reports
#   ROLLBACK         the command that rolls the deploy back
#   PLAYBOOK_SOURCE  cloudwatch (default here) or local:DIR; AWS_REGION, credentials or a
#                    role (ROLE_ARN, assumed for the run) as the CI job has them
#   SUMMARY_FILE     where to keep the run summary (default: post-deploy-summary.json)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
notebook="${NOTEBOOK:-$here/../../notebooks/post-deploy.ipynb}"
summary="${SUMMARY_FILE:-post-deploy-summary.json}"
export PLAYBOOK_SOURCE="${PLAYBOOK_SOURCE:-cloudwatch}"
prefix="s3://$RECORDS_BUCKET/post-deploy/$SERVICE/{date}/{run_id}"
role=()
if [ -n "${ROLE_ARN:-}" ]; then role=(--role-arn "$ROLE_ARN"); fi

playbook run "$notebook" \
    -p deploy_time="$DEPLOY_TIME" -p service="$SERVICE" \
    -o "$prefix.ipynb" --report "$prefix.html" "${role[@]}" \
    --summary "$summary" --target-name "$SERVICE"
status=$?

# What the pipeline shows: where the record is and which checks failed.
failed_checks=0
if [ -s "$summary" ] && command -v jq >/dev/null; then
    jq -r '(.outputs[] | "\(.what): \(.to)"),
           (.checks[] | select(.verdict == "fail") | "failed check: \(.name)")' "$summary"
    failed_checks=$(jq '[.checks[] | select(.verdict == "fail")] | length' "$summary")
fi
# A check that failed is a verdict even when the record could not be stored (6).
if [ "$status" -eq 6 ] && [ "$failed_checks" -gt 0 ]; then status=2; fi

case $status in
    0) echo "post-deploy verification of $SERVICE passed" ;;
    2) echo "post-deploy verification of $SERVICE failed a check: rolling back"
       $ROLLBACK
       exit 1 ;;
    4) echo "the data source was unavailable: retry this step"
       exit 75 ;;
    *) echo "the post-deploy verification could not run (exit $status): see $summary"
       exit "$status" ;;
esac
