"""Who may do what: every request's account (its role and desks, read from the database) is checked here
before any other service is called.

- agent: the visits and workshops of their own desk, its figures and their association's (exact when
  reporting allows it for staff), the identity of citizens their desk received;
- manager: the same over every desk of their association;
- head office: figures only, of any scope, always suppressed as they leave associations; never a visit,
  never an identity;
- operator: the health and metrics of the services, nothing else."""
from dataclasses import dataclass

from services.gateway.errors import Forbidden, PasswordChangeRequired
from services.gateway.schemas import AGENT, HEAD_OFFICE, MANAGER, OPERATOR

STAFF = (AGENT, MANAGER)
ANY_ROLE = (AGENT, MANAGER, HEAD_OFFICE, OPERATOR)
ROLE_LABELS = {AGENT: "agent médiateur", MANAGER: "responsable d'association", HEAD_OFFICE: "siège",
               OPERATOR: "exploitation"}
HOMES = {AGENT: "/desk", MANAGER: "/desk", HEAD_OFFICE: "/figures", OPERATOR: "/ops"}  # each role's first page
PASSWORD_PAGE = "/password"  # where a temporary password is changed, before any other page
# What an account with a temporary password may do before changing it: change it, read itself, leave.
BEFORE_PASSWORD_CHANGE = {PASSWORD_PAGE, "/logout", "/api/me/password", "/api/me", "/api/logout"}


@dataclass(frozen=True)
class Principal:
    login: str
    role: str
    association_id: str | None
    pimms_id: str | None
    agent_id: str | None
    desks: tuple
    jti: str
    must_change_password: bool = False  # a temporary password: only BEFORE_PASSWORD_CHANGE until changed

    @property
    def staff(self):
        return self.role in STAFF

    def claims(self):
        """What the services behind are told of this account, signed (shared/principal.py)."""
        return {"login": self.login, "role": self.role, "association_id": self.association_id,
                "desks": list(self.desks), "agent_id": self.agent_id}


def require_role(principal, *roles):
    if principal.role not in roles:
        raise Forbidden(f"the role {principal.role} may not do this")


def require_desk(principal, pimms_id):
    """Acting on a desk's visits and workshops: the association's staff, within their desks."""
    require_role(principal, *STAFF)
    if pimms_id not in principal.desks:
        raise Forbidden(f"desk {pimms_id} is outside the desks of {principal.login}")


def default_desk(principal, pimms_id=None):
    """The desk a request is about: the one named, else the agent's own (or a manager's first)."""
    require_role(principal, *STAFF)
    if pimms_id is None:
        if not principal.desks:
            raise Forbidden(f"{principal.login} has no desk")
        pimms_id = principal.pimms_id or principal.desks[0]
    require_desk(principal, pimms_id)
    return pimms_id


def figures_access(principal, scope, id_):
    """May this account read these figures, and exact ones? Staff read their desks and association exactly
    (if reporting allows it); head office reads anything, suppressed; operators read none."""
    if principal.role == HEAD_OFFICE:
        return False
    require_role(principal, *STAFF)
    if scope == "desk" and id_ in principal.desks:
        return True
    if scope == "association" and id_ == principal.association_id:
        return True
    raise Forbidden(f"{principal.login} reads the figures of their desks and association only")


def figure_scopes(principal):
    """The (scope, id) pairs offered on the figures page, the default first."""
    if principal.role == HEAD_OFFICE:
        return [("network", None)]
    if principal.role == AGENT:
        return [("desk", principal.pimms_id), ("association", principal.association_id)]
    if principal.role == MANAGER:
        return [("association", principal.association_id)] + [("desk", d) for d in principal.desks]
    return []


def citizen_reader(principal):
    """Reading or finding a citizen's identity: the association's staff, with desks (accueil checks it too,
    from the signed principal, and audits it); head office and operators never do."""
    require_role(principal, *STAFF)
    if not principal.desks:
        raise Forbidden(f"{principal.login} has no desk")
    return principal


def require_changed_password(principal, path):
    """An account whose password is a temporary one changes it before anything else."""
    if principal.must_change_password and path not in BEFORE_PASSWORD_CHANGE:
        raise PasswordChangeRequired(f"{principal.login} has a temporary password: change it first "
                                     f"(POST /api/me/password, or the page {PASSWORD_PAGE})")


def home(principal):
    """The page each role lands on after logging in."""
    return HOMES[principal.role]
