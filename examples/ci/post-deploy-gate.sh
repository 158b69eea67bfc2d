#!/usr/bin/env bash
# A CI/CD step right after a deploy: verify it with the post-deploy playbook, keep the
# record and the report where the team keeps records (S3), and act on the exit code:
#   0  the deploy is healthy
#   2  a check failed: roll back (then fail the pipeline)
#   4  the data source was unavailable (throttled, timed out): retry this step later
#   *  the verification itself could not run: fail the pipeline, do not roll back blindly
#
# Environment (from the CI system):
#   DEPLOY_TIME      when the deploy finished (RFC 3339), e.g. from the deploy job
#   SERVICE          the service deployed
#   RECORDS_BUCKET   the S3 bucket for records and reports
#   ROLLBACK         the command that rolls the deploy back
#   PLAYBOOK_SOURCE  cloudwatch (default here) or local:DIR; AWS_REGION, credentials or
#                    a role (--role-arn) as the CI job has them
set -uo pipefail
cd "$(dirname "$0")/../.."
export PLAYBOOK_SOURCE="${PLAYBOOK_SOURCE:-cloudwatch}"
prefix="s3://$RECORDS_BUCKET/post-deploy/$SERVICE/{date}/{run_id}"

playbook run notebooks/post-deploy.ipynb \
    -p deploy_time="$DEPLOY_TIME" -p service="$SERVICE" \
    -o "$prefix.ipynb" --report "$prefix.html" \
    --summary post-deploy-summary.json --target-name "$SERVICE"
status=$?

case $status in
    0) echo "post-deploy verification of $SERVICE passed" ;;
    2) echo "post-deploy verification of $SERVICE failed a check: rolling back"
       $ROLLBACK
       exit 1 ;;
    4) echo "the data source was unavailable: retry this step"
       exit 75 ;;
    *) echo "the post-deploy verification could not run (exit $status): see post-deploy-summary.json"
       exit "$status" ;;
esac
