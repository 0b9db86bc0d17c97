"""Builders for médiation sortante's tests: partners' files and campaigns at the stage a test needs."""
import datetime as dt
import glob

EDF_HEADER = "Ref client;Nom;Téléphone;Adresse"


def ago(days=0, hours=0):
    return (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days, hours=hours)).isoformat()


def edf_row(n, name=None, phone=None, address=None):
    """A row of EDF's layout for customer `n` (reference 10000000nn), its phone and address made up from n."""
    return ";".join([f"{1000000000 + n}", name or f"Client Numéro{n}",
                     phone or f"06 12 34 {n // 100 % 100:02d} {n % 100:02d}",
                     address or f"{n} rue Paul Bert, 69003 Lyon"])


def edf_file(*rows, count=None):
    rows = list(rows) or [edf_row(n) for n in range(1, (count or 3) + 1)]
    return "\r\n".join([EDF_HEADER, *rows]) + "\r\n"


def open_campaign(service, **changes):
    return service.open_campaign({"pimms_id": "lyon-8", "partner": "edf", "label": "Impayés hiver",
                                  "opened_at": ago(days=10), **changes})


def campaign_with_contacts(service, count=3, **changes):
    campaign = open_campaign(service, **changes)
    service.import_contacts({"campaign_id": campaign["campaign_id"], "content": edf_file(count=count)})
    contacts = service.list_contacts({"campaign_id": campaign["campaign_id"]})
    return campaign, contacts


def attempt(service, contact, reached=False, channel="phone", agent="agent-amina", days_ago=2):
    return service.record_attempt({"contact_id": contact["contact_id"], "channel": channel, "reached": reached,
                                   "agent_id": agent, "at": ago(days=days_ago)})


def resolve(service, contact, outcome="contact_restored", acts=("explanation",), agent="agent-amina", days_ago=1):
    return service.resolve_case({"contact_id": contact["contact_id"], "outcome": outcome, "acts": list(acts),
                                 "agent_id": agent, "resolved_at": ago(days=days_ago)})


IDENTITY = {"name": "Mme Zénobie Quarantotto", "phone": "07 81 22 33 44", "address": "7 rue Villon, 69008 Lyon"}


def closed_long_ago(service, closed_days_ago):
    """A campaign of 2 cases (references 1000000001 and 1000000002, the first one IDENTITY's) played in the past
    and closed `closed_days_ago` days ago."""
    start = closed_days_ago + 10
    campaign = service.open_campaign({"pimms_id": "lyon-8", "partner": "edf", "opened_at": ago(days=start),
                                      "max_attempts": 1})
    service.import_contacts({"campaign_id": campaign["campaign_id"],
                             "content": edf_file(edf_row(1, **IDENTITY), edf_row(2))})
    first, second = service.list_contacts({"campaign_id": campaign["campaign_id"]})
    attempt(service, first, reached=True, days_ago=start - 2)
    resolve(service, first, outcome="payment_plan", acts=["payment_plan_negotiation"], days_ago=start - 3)
    attempt(service, second, days_ago=start - 2)
    service.close_campaign({"campaign_id": campaign["campaign_id"], "closed_at": ago(days=closed_days_ago)})
    return campaign


def on_disk(tmp_path, value):
    """Whether SQLite still holds `value` anywhere: in the file (free pages included) or its write-ahead log."""
    paths = glob.glob(f"{tmp_path}/mediation_sortante.db*")
    return any(value.encode() in open(path, "rb").read() for path in paths)
