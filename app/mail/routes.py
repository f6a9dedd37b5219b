from flask import Blueprint

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
